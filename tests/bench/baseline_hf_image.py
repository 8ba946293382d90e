"""The image baseline: Hugging Face `Trainer` on a folder of class subfolders, as the HF image-classification
examples do it (the model's own image processor in the collator, files decoded by Pillow in DataLoader workers).

It does the whole job Airlock does: validation after every epoch with a checkpoint, the best one loaded at
the end, the test folder scored once, the final model saved. Same model, processor, batch size, epochs,
workers and optimisation settings as Airlock in image_bench.py; no augmentation on either side.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import torch
from PIL import Image
from transformers import AutoImageProcessor, AutoModelForImageClassification, Trainer, TrainingArguments, set_seed


def rows(folder: str, labels: list[str]) -> list[tuple[str, int]]:
    """(path, class index) of every picture under folder/<label>/."""
    return [(os.path.join(folder, label, name), index) for index, label in enumerate(labels)
            for name in sorted(os.listdir(os.path.join(folder, label)))]


class Pictures(torch.utils.data.Dataset):
    def __init__(self, items: list[tuple[str, int]]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        path, label = self.items[index]
        with Image.open(path) as image:
            return {"image": image.convert("RGB"), "label": label}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name in ("data", "model", "work-dir"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    set_seed(args.seed)
    labels = sorted(os.listdir(os.path.join(args.data, "train")))
    processor = AutoImageProcessor.from_pretrained(args.model, backend="pil")
    model = AutoModelForImageClassification.from_pretrained(
        args.model, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: index for index, label in enumerate(labels)}, ignore_mismatched_sizes=True)

    def collate(batch: list[dict]) -> dict:
        pixels = processor(images=[row["image"] for row in batch], return_tensors="pt")["pixel_values"]
        return {"pixel_values": pixels, "labels": torch.tensor([row["label"] for row in batch])}

    def accuracy(prediction) -> dict:
        return {"accuracy": float((np.argmax(prediction.predictions, axis=-1) == prediction.label_ids).mean())}

    training_args = TrainingArguments(
        output_dir=args.work_dir, per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size * 2, num_train_epochs=args.epochs,
        learning_rate=args.learning_rate, warmup_steps=0.1, weight_decay=0.01, seed=args.seed, use_cpu=True,
        report_to="none", eval_strategy="epoch", save_strategy="epoch", load_best_model_at_end=True,
        metric_for_best_model="accuracy", remove_unused_columns=False, dataloader_num_workers=args.workers)
    trainer = Trainer(model=model, args=training_args, data_collator=collate, compute_metrics=accuracy,
                      train_dataset=Pictures(rows(os.path.join(args.data, "train"), labels)),
                      eval_dataset=Pictures(rows(os.path.join(args.data, "validation"), labels)))
    trainer.train()
    best = max((entry for entry in trainer.state.log_history if "eval_accuracy" in entry), key=lambda e: e["eval_accuracy"])
    test = trainer.predict(Pictures(rows(os.path.join(args.data, "test"), labels))).metrics["test_accuracy"]
    trainer.save_model(os.path.join(args.work_dir, "model"))
    print(json.dumps({"type": "bench_result", "val_accuracy": best["eval_accuracy"], "test_accuracy": test}), flush=True)


if __name__ == "__main__":
    main()
