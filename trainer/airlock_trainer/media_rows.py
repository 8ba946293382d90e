"""Image and audio examples decoded in DataLoader workers, and their collators.

Each row is decoded by media_decode (the decoder import used), augmented for training with a random
generator seeded by (seed, epoch, row), so an interrupted epoch resumes with the same crops, and
turned into model inputs by the model's own processor in the collator (which runs in the workers).
"""

from __future__ import annotations

import random

import torch

from .media_decode import open_image, read_audio

#: Random resized crop: share of the picture's area kept, and the range of aspect ratios (torchvision's defaults).
CROP_AREA = (0.5, 1.0)
CROP_RATIO = (3 / 4, 4 / 3)


def _rng(seed: int, epoch: int, index: int) -> random.Random:
    return random.Random(f"{seed}:{epoch}:{index}")


def random_resized_crop(image, rng: random.Random):
    """A random part of the picture (area share CROP_AREA, aspect CROP_RATIO); the processor resizes it afterwards."""
    import math

    width, height = image.size
    area = width * height
    for _ in range(10):
        target = area * rng.uniform(*CROP_AREA)
        aspect = math.exp(rng.uniform(math.log(CROP_RATIO[0]), math.log(CROP_RATIO[1])))
        w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            left, top = rng.randint(0, width - w), rng.randint(0, height - h)
            return image.crop((left, top, left + w, top + h))
    return image


class ImageRows(torch.utils.data.Dataset):
    """Pictures as RGB PIL images with their targets; random resized crop and horizontal flip when `augment`."""

    def __init__(self, paths: list[str], targets: list, *, augment: bool, seed: int):
        self.paths, self.targets, self.augment, self.seed = paths, targets, augment, seed
        self.epoch = 0  # set before each epoch's DataLoader is made, so workers see it

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> dict:
        image, _ = open_image(self.paths[index])
        if self.augment:
            from PIL import Image

            rng = _rng(self.seed, self.epoch, index)
            image = random_resized_crop(image, rng)
            if rng.random() < 0.5:
                image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        return {"input": image, "labels": self.targets[index], "index": index}


class AudioRows(torch.utils.data.Dataset):
    """Clips as mono float32 arrays at the model's sampling rate, cut to `max_samples`.

    Training takes a random window of a longer clip when `augment`; evaluation takes its start.
    """

    def __init__(self, paths: list[str], targets: list, *, rate: int, max_samples: int, augment: bool, seed: int):
        self.paths, self.targets = paths, targets
        self.rate, self.max_samples, self.augment, self.seed = rate, max_samples, augment, seed
        self.epoch = 0

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> dict:
        samples = load_clip(self.paths[index], self.rate)
        if len(samples) > self.max_samples:
            start = _rng(self.seed, self.epoch, index).randint(0, len(samples) - self.max_samples) if self.augment else 0
            samples = samples[start:start + self.max_samples]
        return {"input": samples, "labels": self.targets[index], "index": index}


def load_clip(path: str, rate: int):
    """A clip mixed down to mono and resampled to `rate` Hz (soxr, high quality), as a 1-D float32 array."""
    import numpy as np
    import soxr

    samples, facts = read_audio(path)
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if facts.sample_rate != rate:
        mono = soxr.resample(mono, facts.sample_rate, rate, quality="HQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def _labels_tensor(values: list) -> torch.Tensor:
    labels = torch.tensor(values)
    return labels.float() if labels.is_floating_point() else labels.long()


class ImageCollator:
    """A list of rows → {"pixel_values", "labels"} through the model's image processor."""

    def __init__(self, processor):
        self.processor = processor

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        batch = self.processor(images=[row["input"] for row in rows], return_tensors="pt")
        return {"pixel_values": batch["pixel_values"], "labels": _labels_tensor([row["labels"] for row in rows]),
                "row_index": torch.tensor([row["index"] for row in rows])}


class AudioCollator:
    """A list of rows → the feature extractor's inputs (input_values or input_features, attention mask) and labels."""

    def __init__(self, extractor, rate: int):
        self.extractor, self.rate = extractor, rate

    def __call__(self, rows: list[dict]) -> dict[str, torch.Tensor]:
        # Whisper's encoder takes exactly its 30-second window of mel frames; other extractors pad to the batch
        padding = "max_length" if getattr(self.extractor, "n_samples", None) else True
        features = self.extractor([row["input"] for row in rows], sampling_rate=self.rate, padding=padding,
                                  return_tensors="pt")
        batch = {name: value for name, value in features.items() if isinstance(value, torch.Tensor)}
        batch["labels"] = _labels_tensor([row["labels"] for row in rows])
        batch["row_index"] = torch.tensor([row["index"] for row in rows])
        return batch
