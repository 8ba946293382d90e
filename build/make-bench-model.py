"""Writes a BERT-base-sized text model with random weights, for throughput benchmarks on a GPU.

    .venv/bin/python build/make-bench-model.py <folder> [--size base|mini]

The shape is bert-base-uncased's (12 layers, hidden 768, 12 heads, 110 M parameters); the
tokenizer is the bundled all-MiniLM-L6-v2 one (the same bert-base-uncased WordPiece vocabulary),
so no download is needed. Random weights train as fast as pretrained ones; accuracy is meaningless.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SIZES = {
    "base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072},
    "mini": {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 256},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", choices=SIZES, default="base", help="mini: a tiny model for checking the script")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bench"))
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from bench_common import bundled_model_dir

    if (args.folder / "model.safetensors").is_file() and (args.folder / "tokenizer.json").is_file():
        print(f"{args.folder}: already there", file=sys.stderr)
        return
    tokenizer = AutoTokenizer.from_pretrained(bundled_model_dir(), local_files_only=True)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=len(tokenizer), max_position_embeddings=512, **SIZES[args.size])
    model = BertModel(config)
    args.folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.folder)  # safetensors, float32
    tokenizer.save_pretrained(args.folder)
    count = sum(parameter.numel() for parameter in model.parameters())
    print(f"{args.folder}: BERT-{args.size}-sized model, {count / 1e6:.1f} M parameters, random weights", file=sys.stderr)


if __name__ == "__main__":
    main()
