"""Token ids and loss labels for supervised fine-tuning examples: the prompt's tokens masked with IGNORE_INDEX.

Each segment of a row (sft_format.row_segments) is tokenized on its own, without special tokens, and the ids
are joined: a token never straddles the prompt/answer border, so the mask is exact, and predict, which
tokenizes the prompt alone, gives the model the very ids it was trained on. The tokenizer's beginning-of-text
token leads when the tokenizer adds one itself; the end-of-text token ends rows whose format says so.
Rows longer than data.max_length are cut at the end; rows whose learned tokens are all cut away are left out.
"""

from __future__ import annotations

from .rows import Rows
from .sft_format import row_segments

IGNORE_INDEX = -100  # what transformers' causal LM loss skips


def leading_bos(tokenizer) -> list[int]:
    """[bos id] when the tokenizer puts one before every text, else []."""
    bos = tokenizer.bos_token_id
    if bos is None:
        return []
    probe = tokenizer("a", add_special_tokens=True)["input_ids"]
    return [bos] if probe and probe[0] == bos else []


def encode_example(example: dict, tokenizer, settings: dict, bos: list[int]) -> tuple[list[int], list[int]]:
    """(input_ids, labels) for one example, uncut; labels are IGNORE_INDEX where the loss must not learn."""
    segments, end_with_eos = row_segments(example, tokenizer, settings)
    ids, labels = list(bos), [IGNORE_INDEX] * len(bos)
    for text, learned in segments:
        piece = tokenizer(text, add_special_tokens=False)["input_ids"] if text else []
        ids.extend(piece)
        labels.extend(piece if learned else [IGNORE_INDEX] * len(piece))
    if end_with_eos and tokenizer.eos_token_id is not None:
        ids.append(tokenizer.eos_token_id)
        labels.append(tokenizer.eos_token_id)
    return ids, labels


def encode_examples(examples: list[dict], tokenizer, settings: dict, progress) -> tuple[Rows, dict]:
    """Rows {input_ids, attention_mask, labels, length} cut to settings["max_length"], and what was cut:
    {"cut": rows longer than max_length, "dropped": rows left with nothing to learn, "longest": tokens}."""
    bos = leading_bos(tokenizer)
    max_length = settings["max_length"]
    columns: dict[str, list] = {"input_ids": [], "attention_mask": [], "labels": [], "length": []}
    cut = dropped = longest = 0
    total = max(1, len(examples))
    for index, example in enumerate(examples):
        ids, labels = encode_example(example, tokenizer, settings, bos)
        longest = max(longest, len(ids))
        if len(ids) > max_length:
            cut += 1
            ids, labels = ids[:max_length], labels[:max_length]
        if all(label == IGNORE_INDEX for label in labels):
            dropped += 1
            continue
        columns["input_ids"].append(ids)
        columns["attention_mask"].append([1] * len(ids))
        columns["labels"].append(labels)
        columns["length"].append(len(ids))
        if index and index % 500 == 0:
            progress(f"Tokenized {index} of {total} rows", index / total)
    return Rows(columns), {"cut": cut, "dropped": dropped, "longest": longest}
