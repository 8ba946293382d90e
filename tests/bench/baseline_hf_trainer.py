"""Baselines (a) and (b): Hugging Face `Trainer`, written the way the HF text-classification examples are.

--padding max_length  (a) every row padded to max_length at tokenization, default collator and sampler.
--padding dynamic     (b) rows padded per batch by DataCollatorWithPadding, batches grouped by length
                          (`group_by_length=True` in transformers 4, `train_sampling_strategy="group_by_length"` in 5).
Both do the whole job Airlock does: validation after every epoch with a checkpoint, the best one
loaded at the end, the test file scored once, the final model saved. Everything else is Trainer's
defaults; the optimisation hyper-parameters match the other contestants.
"""

from __future__ import annotations

import numpy as np
from datasets import load_dataset
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
    set_seed,
)

from bench_common import contestant_args, label_ids, read_rows, report


def main() -> None:
    args = contestant_args(__doc__.splitlines()[0], {"padding": ["max_length", "dynamic"]})
    padding = args.padding
    set_seed(args.seed)

    _, train_labels = read_rows(args.train, args.text_column, args.label_column)
    label2id = label_ids(train_labels)
    files = {"train": args.train, "validation": args.val, **({"test": args.test} if args.test else {})}
    raw = load_dataset("csv", data_files=files)
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def preprocess(batch):
        encoded = tokenizer(
            batch[args.text_column],
            padding="max_length" if padding == "max_length" else False,
            truncation=True,
            max_length=args.max_length,
        )
        encoded["label"] = [label2id[name] for name in batch[args.label_column]]
        return encoded

    tokenized = raw.map(preprocess, batched=True, remove_columns=raw["train"].column_names)
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model,
        num_labels=len(label2id),
        label2id=label2id,
        id2label={index: name for name, index in label2id.items()},
    )

    def compute_metrics(prediction):
        return {"accuracy": float((np.argmax(prediction.predictions, axis=-1) == prediction.label_ids).mean())}

    training_args = TrainingArguments(
        output_dir=args.work_dir,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        num_train_epochs=args.epochs,
        max_steps=args.steps,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup_ratio,  # a float below 1 is a ratio of the total steps in transformers 5
        weight_decay=args.weight_decay,
        seed=args.seed,
        bf16=args.device == "cuda",
        use_cpu=args.device == "cpu",
        train_sampling_strategy="group_by_length" if padding == "dynamic" else "random",
        report_to="none",
        eval_strategy="epoch",
        save_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="accuracy",
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer) if padding == "dynamic" else None,
        compute_metrics=compute_metrics,
    )
    trainer.train()
    # The validation pass of the kept (best) checkpoint: the per-epoch evaluations are in the log.
    evaluations = [entry for entry in trainer.state.log_history if "eval_accuracy" in entry]
    if not evaluations:  # max_steps ended before the first epoch's evaluation
        evaluations = [trainer.evaluate()]
    best = max(evaluations, key=lambda entry: entry["eval_accuracy"])
    extra = {}
    if "test" in tokenized:
        extra["test_accuracy"] = trainer.predict(tokenized["test"]).metrics["test_accuracy"]
    trainer.save_model(f"{args.work_dir}/model")
    report(best["eval_accuracy"], eval_loss=best["eval_loss"], **extra)


if __name__ == "__main__":
    main()
