"""Baseline (c): a hand-written PyTorch training loop.

Tokenize once without padding, shuffle with a seeded generator, pad each batch to
its longest row (dynamic padding), AdamW with Trainer's weight-decay grouping,
linear warm-up and decay, bf16 autocast on CUDA. No framework around it, so the
per-step overhead is minimal; but it is the loop people write, not a tuned one:
random (not length-grouped) batches and torch's default (unfused) AdamW. It validates once at the
end (not every epoch) and saves no checkpoints: the least work, the start-up reference.
"""

from __future__ import annotations

import math

import torch
from torch.utils.data import DataLoader
from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup, set_seed

from bench_common import contestant_args, label_ids, read_rows, report


def encode(tokenizer, texts: list[str], labels: list[str], label2id: dict[str, int], max_length: int) -> list[dict]:
    """One unpadded example per row."""
    encoded = tokenizer(texts, truncation=True, max_length=max_length)
    return [
        {"input_ids": ids, "attention_mask": mask, "labels": label2id[label]}
        for ids, mask, label in zip(encoded["input_ids"], encoded["attention_mask"], labels)
    ]


def main() -> None:
    args = contestant_args(__doc__.splitlines()[0])
    set_seed(args.seed)
    device = torch.device(args.device)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=args.device == "cuda")

    train_texts, train_labels = read_rows(args.train, args.text_column, args.label_column)
    val_texts, val_labels = read_rows(args.val, args.text_column, args.label_column)
    label2id = label_ids(train_labels)
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    train = encode(tokenizer, train_texts, train_labels, label2id, args.max_length)
    val = encode(tokenizer, val_texts, val_labels, label2id, args.max_length)

    def collate(rows: list[dict]) -> dict[str, torch.Tensor]:
        return tokenizer.pad(rows, return_tensors="pt")

    generator = torch.Generator().manual_seed(args.seed)
    train_loader = DataLoader(train, batch_size=args.batch_size, shuffle=True, generator=generator, collate_fn=collate)
    val_loader = DataLoader(val, batch_size=args.batch_size, collate_fn=collate)

    model = AutoModelForSequenceClassification.from_pretrained(args.model, num_labels=len(label2id)).to(device)
    no_decay = ("bias", "LayerNorm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": args.weight_decay},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.learning_rate)
    total_steps = min(args.steps, args.epochs * len(train_loader))
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(total_steps * args.warmup_ratio), total_steps)

    model.train()
    step = 0
    while step < total_steps:  # each pass over train_loader is one epoch, reshuffled by the generator
        for batch in train_loader:
            batch = {key: value.to(device, non_blocking=True) for key, value in batch.items()}
            with autocast:
                loss = model(**batch).loss
            loss.backward()
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if step == total_steps:
                break

    def accuracy(loader: DataLoader, rows: int) -> float:
        model.eval()
        correct = 0
        with torch.inference_mode(), autocast:
            for batch in loader:
                batch = {key: value.to(device) for key, value in batch.items()}
                correct += (model(**batch).logits.argmax(-1) == batch["labels"]).sum().item()
        return correct / rows

    extra = {}
    if args.test:
        test_texts, test_labels = read_rows(args.test, args.text_column, args.label_column)
        test = encode(tokenizer, test_texts, test_labels, label2id, args.max_length)
        extra["test_accuracy"] = accuracy(DataLoader(test, batch_size=args.batch_size, collate_fn=collate), len(test))
    val_accuracy = accuracy(val_loader, len(val))
    model.save_pretrained(f"{args.work_dir}/model")
    tokenizer.save_pretrained(f"{args.work_dir}/model")
    report(val_accuracy, final_loss=loss.item(), **extra)


if __name__ == "__main__":
    main()
