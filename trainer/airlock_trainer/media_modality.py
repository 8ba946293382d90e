"""The image and audio modalities: processor, rows, collation, model head and saving, per kind of input.

A modality turns canonical rows into model inputs; the Task (tasks.py) decides what the labels
become. Models load only from local folders, never with remote code; image processors use their
Pillow backend (this runtime has no torchvision).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import AirlockError
from .events import EventWriter
from .media_rows import AudioCollator, AudioRows, ImageCollator, ImageRows

#: Longest clip (seconds) fed to an audio model that states no limit of its own.
DEFAULT_MAX_SECONDS = 10.0


@dataclass
class MediaSplit:
    """One split's rows (decoded lazily) and their lengths for grouping batches."""

    rows: object
    lengths: list[int]

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, column: str) -> list:
        """The training targets as `split["labels"]`, like a tokenized text table's column (a loss weights by them)."""
        if column != "labels":
            raise KeyError(column)
        return self.rows.targets


def data_workers() -> int:
    """DataLoader worker processes for decoding: every core but the one the training loop uses, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(0, min(8, cores - 1))


def _model_kwargs(task, weights: str) -> dict:
    id2label = task.id2label()
    return {"num_labels": task.num_labels, "id2label": id2label,
            "label2id": {label: index for index, label in id2label.items()}, "problem_type": task.problem_type,
            "ignore_mismatched_sizes": True, "local_files_only": True, "trust_remote_code": False,
            "use_safetensors": weights == "safetensors"}


class MediaModality:
    """What images and audio share: rows decoded in DataLoader workers, the model's processor in the collator."""

    name = ""

    def prepare(self, config: dict, setup: dict, task, tables, writer: EventWriter) -> tuple:
        """(processor, per split the rows its DataLoader workers decode, timing details)."""
        from .dataset import LABEL, TEXT
        from .model_limits import check_modality

        check_modality(setup["model_dir"], self.name)
        writer.progress("tokenizing", f"Loading the {self.name} processor", 0.0)
        processor = self.load_processor(setup["model_dir"])
        data, seed = config["data"], config["training"]["seed"]
        encoded = {}
        for split in ("train", "val", "test"):
            table = getattr(tables, split)
            if table is None:
                continue
            paths, targets = table[TEXT], task.targets(table[LABEL])
            rows = self.rows(paths, targets, processor, train=split == "train", augment=data["augment"], seed=seed,
                             config=config)
            encoded[split] = MediaSplit(rows, self.lengths(paths, processor, config))
        writer.progress("tokenizing", "Ready", 1.0)
        return processor, encoded, {}

    def datamodule(self, encoded: dict, processor, config: dict, runtime: dict):
        from .data import MediaDataModule

        training = config["training"]
        return MediaDataModule(encoded["train"], encoded["val"], encoded.get("test"),
                               collate=self.collator(processor, config), batch_size=training["batch_size"],
                               seed=training["seed"], pin_memory=runtime["accelerator"] == "cuda")


class ImageModality(MediaModality):
    name = "image"

    def load_processor(self, model_dir: str):
        from transformers import AutoImageProcessor

        try:
            return AutoImageProcessor.from_pretrained(model_dir, backend="pil", local_files_only=True, trust_remote_code=False)
        except (OSError, ValueError, KeyError) as error:
            raise AirlockError("MODEL_UNSUPPORTED", f"The model's image processor cannot be loaded: {error}",
                               hint="Pick an image classification model folder with its preprocessor_config.json.",
                               field="model.name") from None

    def rows(self, paths: list[str], targets: list, processor, *, train: bool, augment: bool, seed: int, config: dict):
        return ImageRows(paths, targets, augment=train and augment, seed=seed)

    def lengths(self, paths: list[str], processor, config: dict) -> list[int]:
        return [1] * len(paths)  # every picture is resized to the same input: nothing to group by

    def collator(self, processor, config: dict):
        return ImageCollator(processor)

    def auto_class(self):
        from transformers import AutoModelForImageClassification

        return AutoModelForImageClassification

    def load_model(self, model_dir: str, task, weights: str, processor=None):
        return self.auto_class().from_pretrained(model_dir, **_model_kwargs(task, weights))

    def saved_settings(self, processor, config: dict) -> dict:
        return {}


class AudioModality(MediaModality):
    name = "audio"

    def load_processor(self, model_dir: str):
        from transformers import AutoFeatureExtractor

        try:
            return AutoFeatureExtractor.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
        except (OSError, ValueError, KeyError) as error:
            raise AirlockError("MODEL_UNSUPPORTED", f"The model's feature extractor cannot be loaded: {error}",
                               hint="Pick an audio classification model folder with its preprocessor_config.json.",
                               field="model.name") from None

    @staticmethod
    def max_seconds(processor, config: dict) -> float:
        """The clip length fed to the model: data.max_seconds, else what the model takes, else DEFAULT_MAX_SECONDS."""
        wanted = config.get("data", {}).get("max_seconds")
        if wanted:
            return float(wanted)
        rate = processor.sampling_rate
        if getattr(processor, "n_samples", None):  # Whisper: a fixed 30-second window
            return processor.n_samples / rate
        if getattr(processor, "max_length", None) and getattr(processor, "hop_length", None) is None:
            return processor.max_length * 0.01  # AST: max_length frames of 10 ms
        return DEFAULT_MAX_SECONDS

    def rows(self, paths: list[str], targets: list, processor, *, train: bool, augment: bool, seed: int, config: dict):
        rate = processor.sampling_rate
        return AudioRows(paths, targets, rate=rate, max_samples=int(self.max_seconds(processor, config) * rate),
                         augment=train and augment, seed=seed)

    def lengths(self, paths: list[str], processor, config: dict) -> list[int]:
        """Clip lengths (frames, from the headers), so batches group clips of similar length and pad little."""
        import soundfile

        limit = self.max_seconds(processor, config)
        lengths = []
        for path in paths:
            info = soundfile.info(path)
            lengths.append(int(min(info.duration, limit) * 1000))
        return lengths

    def collator(self, processor, config: dict):
        return AudioCollator(processor, processor.sampling_rate)

    def auto_class(self):
        from transformers import AutoModelForAudioClassification

        return AutoModelForAudioClassification

    def load_model(self, model_dir: str, task, weights: str, processor=None):
        return self.auto_class().from_pretrained(model_dir, **_model_kwargs(task, weights))

    def saved_settings(self, processor, config: dict) -> dict:
        """Kept in the saved model's config (airlock_media), so predictions cut clips as training did."""
        return {"max_seconds": self.max_seconds(processor, config)}


MEDIA_MODALITIES = {"image": ImageModality(), "audio": AudioModality()}
