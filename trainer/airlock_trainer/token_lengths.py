"""Token-length distribution of a text column, for choosing max_length before training.

Reads only the one column, samples at most `sample` rows uniformly (reservoir sampling, seeded),
and tokenizes with the model's fast tokenizer without truncation. Uses `tokenizers` directly when
the folder has tokenizer.json, which starts in a fraction of the time transformers needs.

Fine-tuning rows (causal_lm) are measured as training encodes them (sft_rows, sft_format, sft_encode):
prompt, input, separator and completion with their special tokens, or the rendered chat; their sorted
lengths come back too, so the caller can say how many rows a max_length would cut.
"""

from __future__ import annotations

import os
import random
from typing import Iterator

from .errors import AirlockError
from .table import read_table


def _column_values(path: str, column: str) -> Iterator[str]:
    table = read_table(path, "data")
    index = table.index(column, "data.text_column")
    for cells in table.iter_rows():
        value = cells[index]
        yield "" if value is None else value if isinstance(value, str) else " ".join(value)


def _sample(values: Iterator[str], size: int, seed: int) -> list[str]:
    chosen: list[str] = []
    generator = random.Random(seed)
    for index, value in enumerate(values):
        if index < size:
            chosen.append(value)
        else:
            slot = generator.randint(0, index)
            if slot < size:
                chosen[slot] = value
    return [value for value in chosen if value.strip()]


def _encoder(model_folder: str):
    tokenizer_file = os.path.join(model_folder, "tokenizer.json")
    if os.path.isfile(tokenizer_file):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(tokenizer_file)
        tokenizer.no_truncation()
        tokenizer.no_padding()
        return lambda texts: [len(encoding.ids) for encoding in tokenizer.encode_batch(texts)]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_folder, local_files_only=True)
    return lambda texts: [len(ids) for ids in tokenizer(texts, truncation=False)["input_ids"]]


def _stats(lengths: list[int]) -> dict:
    return {
        "count": len(lengths),
        "mean": sum(lengths) / len(lengths),
        "p50": _percentile(lengths, 0.5),
        "p95": _percentile(lengths, 0.95),
        "p99": _percentile(lengths, 0.99),
        "max": lengths[-1],
    }


def _percentile(sorted_values: list[int], share: float) -> int:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def token_lengths(model_folder: str, data_path: str, column: str, sample: int = 5000, seed: int = 0) -> dict:
    """Count, mean and percentiles of the token lengths of `column` under the model's tokenizer."""
    if not os.path.exists(data_path):
        raise AirlockError("FILE_NOT_FOUND", f"The dataset {data_path} does not exist.", field="data.train_path")
    texts = _sample(_column_values(data_path, column), sample, seed)
    if not texts:
        raise AirlockError("DATASET_EMPTY", f"The column '{column}' has no text.", field="data.text_column")
    return _stats(sorted(_encoder(model_folder)(texts)))


def sft_token_lengths(model_folder: str, data_path: str, data: dict, sample: int = 5000, seed: int = 0) -> dict:
    """Token lengths of fine-tuning rows of data.format (a data section's format and columns) as training
    encodes them, uncut: the statistics, `rows` (the rows training keeps) and `lengths`, every measured row's
    length in ascending order."""
    from transformers import AutoTokenizer

    from .sft_encode import encode_example, leading_bos
    from .sft_format import settings_for
    from .sft_rows import read_examples

    if not os.path.exists(data_path):
        raise AirlockError("FILE_NOT_FOUND", f"The dataset {data_path} does not exist.", field="data.train_path")
    columns = {key: data.get(key) for key in ("prompt_column", "input_column", "completion_column", "messages_column", "text_column")}
    examples = read_examples(read_table(data_path, "data.train_path"), {"format": data["format"], **columns})
    rows = len(examples)
    if rows > sample:
        examples = random.Random(seed).sample(examples, sample)
    tokenizer = AutoTokenizer.from_pretrained(model_folder, local_files_only=True)
    settings = settings_for({"format": data["format"], "max_length": None, **columns}, tokenizer)
    bos = leading_bos(tokenizer)
    lengths = sorted(len(encode_example(example, tokenizer, settings, bos)[0]) for example in examples)
    return {**_stats(lengths), "rows": rows, "lengths": lengths}
