"""Synthetic image and audio datasets for the tests: folders of class subfolders, made on the spot.

    python make_media.py digits <folder> [--per-class N] [--size PX] [--seed S] [--splits]
    python make_media.py shapes <folder> [--per-class N] [--size PX] [--seed S] [--splits]
    python make_media.py colours <folder> [--per-class N] [--size PX] [--seed S] [--splits]
    python make_media.py tones  <folder> [--per-class N] [--seconds S] [--rate HZ] [--seed S] [--splits]

digits: the digits 0-9 drawn in Pillow's built-in font at random places, sizes and shades (PNG).
shapes: a circle, a square or a triangle in random colours on noise (PNG).
colours: a random shape in red, green or blue (the class) on noise (PNG): an easy task for a tiny model.
tones: sine tones whose pitch is the class (low 220 Hz, mid 440 Hz, high 880 Hz) with noise (16-bit WAV).
With --splits the files go to train/, validation/ and test/ (70/15/15).
"""

from __future__ import annotations

import argparse
import os
import random


def _split_of(index: int, count: int, splits: bool) -> str:
    if not splits:
        return ""
    share = index / count
    return "train" if share < 0.7 else "validation" if share < 0.85 else "test"


def _target(root: str, split: str, label: str, name: str) -> str:
    folder = os.path.join(root, split, label) if split else os.path.join(root, label)
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)


def digits(root: str, per_class: int, size: int, seed: int, splits: bool) -> None:
    from PIL import Image, ImageDraw, ImageFont

    rng = random.Random(seed)
    for digit in range(10):
        for index in range(per_class):
            font = ImageFont.load_default(size=rng.randint(size // 2, size - 4))
            image = Image.new("L", (size, size), rng.randint(0, 60))
            draw = ImageDraw.Draw(image)
            left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=font)
            x = rng.randint(0, max(0, size - (right - left))) - left
            y = rng.randint(0, max(0, size - (bottom - top))) - top
            draw.text((x, y), str(digit), fill=rng.randint(180, 255), font=font)
            image.save(_target(root, _split_of(index, per_class, splits), str(digit), f"{digit}_{index:04d}.png"))


_COLOURS = {"red": (220, 40, 40), "green": (40, 200, 60), "blue": (40, 60, 220)}


def shapes(root: str, per_class: int, size: int, seed: int, splits: bool, by_colour: bool = False) -> None:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    for label in _COLOURS if by_colour else ("circle", "square", "triangle"):
        for index in range(per_class):
            image = Image.effect_noise((size, size), 40).convert("RGB")
            draw = ImageDraw.Draw(image)
            extent = rng.randint(size // 3, size - 4)
            x, y = rng.randint(0, size - extent), rng.randint(0, size - extent)
            if by_colour:
                colour = tuple(max(0, min(255, channel + rng.randint(-30, 30))) for channel in _COLOURS[label])
                label_shape = rng.choice(("circle", "square", "triangle"))
            else:
                colour, label_shape = tuple(rng.randint(60, 255) for _ in range(3)), label
            if label_shape == "circle":
                draw.ellipse((x, y, x + extent, y + extent), fill=colour)
            elif label_shape == "square":
                draw.rectangle((x, y, x + extent, y + extent), fill=colour)
            else:
                draw.polygon([(x + extent / 2, y), (x, y + extent), (x + extent, y + extent)], fill=colour)
            image.save(_target(root, _split_of(index, per_class, splits), label, f"{label}_{index:04d}.png"))


def tones(root: str, per_class: int, seconds: float, rate: int, seed: int, splits: bool) -> None:
    import numpy as np
    import soundfile

    rng = np.random.default_rng(seed)
    for label, pitch in (("low", 220.0), ("mid", 440.0), ("high", 880.0)):
        for index in range(per_class):
            t = np.arange(int(seconds * rate)) / rate
            detune = pitch * rng.uniform(0.97, 1.03)
            wave = 0.5 * np.sin(2 * np.pi * detune * t + rng.uniform(0, np.pi)) + 0.05 * rng.standard_normal(t.shape)
            path = _target(root, _split_of(index, per_class, splits), label, f"{label}_{index:04d}.wav")
            soundfile.write(path, wave.astype("float32"), rate, subtype="PCM_16")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["digits", "shapes", "colours", "tones"])
    parser.add_argument("folder")
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--size", type=int, default=28)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--splits", action="store_true")
    args = parser.parse_args()
    if args.kind == "digits":
        digits(args.folder, args.per_class, args.size, args.seed, args.splits)
    elif args.kind in ("shapes", "colours"):
        shapes(args.folder, args.per_class, args.size, args.seed, args.splits, by_colour=args.kind == "colours")
    else:
        tones(args.folder, args.per_class, args.seconds, args.rate, args.seed, args.splits)


if __name__ == "__main__":
    main()
