"""Baseline for the SFT benchmark: Hugging Face `Trainer` + `peft` LoRA, written the way an HF user writes it.

The prompt is tokenized with the tokenizer's own special tokens (Llama's <s> first) and ends with a new line unless
it already ends in white space; the completion follows without special tokens, then the end-of-text token; rows
are cut at max_length; the prompt's labels are -100, so the loss learns the completion only.
DataCollatorForSeq2Seq pads each batch to its longest row (labels with -100).

--sampling random   batches drawn at random (Trainer's default)
--sampling grouped  batches of similar length (`train_sampling_strategy="group_by_length"`)
Like Airlock it scores the validation file after every epoch with a checkpoint, loads the best one at the end
and saves the adapter.
"""

from __future__ import annotations

import argparse
import json
import os

import torch
from datasets import load_dataset
from peft import LoraConfig, get_peft_model
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    DataCollatorForSeq2Seq,
    Trainer,
    TrainingArguments,
    set_seed,
)

from bench_common import OFFLINE_ENV


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="local causal LM folder")
    parser.add_argument("--train", required=True, help="training JSONL (prompt, completion)")
    parser.add_argument("--val", required=True, help="validation JSONL, scored after every epoch")
    parser.add_argument("--sampling", choices=["random", "grouped"], required=True)
    parser.add_argument("--max-length", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--learning-rate", type=float, required=True)
    parser.add_argument("--warmup-ratio", type=float, required=True)
    parser.add_argument("--weight-decay", type=float, required=True)
    parser.add_argument("--lora", required=True, help='JSON: {"r", "lora_alpha", "lora_dropout", "target_modules"}')
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    return args


def main() -> None:
    args = parse_args()
    torch.set_num_threads(args.threads)
    set_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(args.model)

    def tokenize(row):
        prompt = row["prompt"] if row["prompt"][-1:].isspace() else row["prompt"] + "\n"
        prompt_ids = tokenizer(prompt)["input_ids"]
        answer_ids = tokenizer(row["completion"], add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
        input_ids = (prompt_ids + answer_ids)[:args.max_length]
        labels = ([-100] * len(prompt_ids) + answer_ids)[:args.max_length]
        return {"input_ids": input_ids, "attention_mask": [1] * len(input_ids), "labels": labels}

    raw = load_dataset("json", data_files={"train": args.train, "validation": args.val})
    tokenized = raw.map(tokenize, remove_columns=raw["train"].column_names)

    model = AutoModelForCausalLM.from_pretrained(args.model)
    lora = json.loads(args.lora)
    model = get_peft_model(model, LoraConfig(task_type="CAUSAL_LM", **lora))

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
        train_sampling_strategy="group_by_length" if args.sampling == "grouped" else "random",
        report_to="none",
        eval_strategy="epoch",
        save_strategy="epoch",
        load_best_model_at_end=True,
        metric_for_best_model="loss",
    )
    trainer = Trainer(
        model=model,
        args=training_args,
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
    )
    trainer.train()
    evaluations = [entry["eval_loss"] for entry in trainer.state.log_history if "eval_loss" in entry]
    if not evaluations:  # max_steps ended before the first epoch's evaluation
        evaluations = [trainer.evaluate()["eval_loss"]]
    trainer.save_model(f"{args.work_dir}/model")
    print(json.dumps({"type": "bench_result", "val_loss": min(evaluations)}), flush=True)


if __name__ == "__main__":
    main()
