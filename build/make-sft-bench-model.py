"""Writes a small Llama-shaped causal LM with random weights and its own byte-level BPE tokenizer, for the SFT benchmark.

    .venv/bin/python build/make-sft-bench-model.py <folder> [--size small|mini]

small: 8 layers, hidden 512, 8 heads, MLP 1408, an 8,192-token vocabulary (untied output layer), 34 M parameters:
big enough that a training step on a CPU is arithmetic, not overhead. mini: 2 layers, hidden 64, for checking the
script. The tokenizer is trained here on the benchmark's own texts (tests/bench/sft_data.py corpus), puts <s>
before every text as Llama's does, pads with <pad> and has a chat template; nothing is downloaded. Random weights
train as fast as pretrained ones; the loss figures say nothing about quality.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

SIZES = {
    "small": {"hidden_size": 512, "num_hidden_layers": 8, "num_attention_heads": 8, "intermediate_size": 1408},
    "mini": {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 176},
}
VOCAB = 8192
POSITIONS = 1024
SPECIALS = ["<s>", "</s>", "<pad>"]  # ids 0, 1, 2
CHAT_TEMPLATE = (
    "{% for message in messages %}<|{{ message['role'] }}|>\n{{ message['content'] }}</s>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}")


def train_tokenizer():
    """A byte-level BPE tokenizer trained on the bench texts (deterministic: same texts, same merges)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "bench"))
    from sft_data import corpus

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(corpus(), trainer=trainer)
    tokenizer.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B",
                                                             special_tokens=[("<s>", 0)])
    return tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", choices=SIZES, default="small")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if (args.folder / "model.safetensors").is_file() and (args.folder / "tokenizer.json").is_file():
        print(f"{args.folder}: already there", file=sys.stderr)
        return
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tokenizer = PreTrainedTokenizerFast(tokenizer_object=train_tokenizer(), bos_token="<s>", eos_token="</s>",
                                        pad_token="<pad>", unk_token=None, model_max_length=POSITIONS)
    tokenizer.chat_template = CHAT_TEMPLATE
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=tokenizer.vocab_size, max_position_embeddings=POSITIONS, rms_norm_eps=1e-6,
                         num_key_value_heads=SIZES[args.size]["num_attention_heads"], tie_word_embeddings=False,
                         bos_token_id=0, eos_token_id=1, pad_token_id=2, **SIZES[args.size])
    model = LlamaForCausalLM(config)
    partial = args.folder.with_name(args.folder.name + ".partial")
    model.save_pretrained(partial)  # safetensors, float32
    tokenizer.save_pretrained(partial)
    partial.replace(args.folder)
    count = sum(parameter.numel() for parameter in model.parameters())
    print(f"{args.folder}: Llama-shaped causal LM ({args.size}), {count / 1e6:.1f} M parameters, random weights, "
          f"{tokenizer.vocab_size} tokens", file=sys.stderr)


if __name__ == "__main__":
    main()
