"""CPU cost of the same SFT batches through Airlock's model loading and loss and through HF's, in one process.

    .venv/bin/python tests/bench/sft_step_profile.py <model folder> <sft-train.jsonl> [--rounds 2]

Three batches of 8 rows (Airlock's tokenization and collator) go through forward, backward and a fused AdamW
step for each pairing of loading (lm_model.load_causal_lm, or from_pretrained + get_peft_model) and loss
(CausalLMModule._loss_sum, or the model's own labels= loss). Wall and CPU seconds are printed per pairing;
CPU seconds are the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "trainer"))

import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: E402

from airlock_trainer.batching import PadCollator  # noqa: E402
from airlock_trainer.devices import cpu_threads  # noqa: E402
from airlock_trainer.lm_model import load_causal_lm  # noqa: E402
from airlock_trainer.lm_module import CausalLMModule  # noqa: E402
from airlock_trainer.sft_encode import IGNORE_INDEX, encode_examples  # noqa: E402
from airlock_trainer.sft_format import settings_for  # noqa: E402
from sft_bench import LORA  # noqa: E402


def batches(model_dir: str, data: str) -> list[dict]:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    rows = [json.loads(line) for line in open(data, encoding="utf-8")][:24]
    encoded, _ = encode_examples(rows, tokenizer, settings_for({"format": "prompt_completion", "max_length": 256},
                                                               tokenizer), lambda *_: None)
    collate = PadCollator(tokenizer.pad_token_id, "right", label_fill=IGNORE_INDEX)
    names = ("input_ids", "attention_mask", "labels")
    return [collate({name: [encoded[name][i] for i in range(start, start + 8)] for name in names}) for start in (0, 8, 16)]


def hf_loss(model, batch):
    return model(**batch).loss


def airlock_loss(model, batch):
    total, count = CausalLMModule._loss_sum(SimpleNamespace(model=model), batch)
    return total / count


def timed(name: str, model, loss_fn, data: list[dict]) -> None:
    model.train()
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, fused=True)
    loss_fn(model, data[0]).backward()  # warm-up
    optimizer.step()
    optimizer.zero_grad()
    wall, cpu = time.perf_counter(), time.process_time()
    for batch in data:
        loss_fn(model, batch).backward()
        optimizer.step()
        optimizer.zero_grad()
    print(f"{name}: wall {time.perf_counter() - wall:.2f} s, cpu {time.process_time() - cpu:.2f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("data")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(cpu_threads())
    data = batches(args.model, args.data)
    print("batch shapes", [tuple(batch["input_ids"].shape) for batch in data], flush=True)
    ours = load_causal_lm(args.model, "safetensors", "lora", LORA, gradient_checkpointing=False)
    theirs = get_peft_model(AutoModelForCausalLM.from_pretrained(args.model), LoraConfig(task_type="CAUSAL_LM", **LORA))
    for _ in range(args.rounds):
        timed("HF-loaded, HF loss", theirs, hf_loss, data)
        timed("Airlock-loaded, Airlock loss", ours, airlock_loss, data)
        timed("Airlock-loaded, HF loss", ours, hf_loss, data)
        timed("HF-loaded, Airlock loss", theirs, airlock_loss, data)


if __name__ == "__main__":
    main()
