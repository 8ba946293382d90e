"""Token-length distribution of a text column, for choosing max_length before training.

Reads only the one column, samples at most `sample` rows uniformly (reservoir sampling, seeded),
and tokenizes with the model's fast tokenizer without truncation. Uses `tokenizers` directly when
the folder has tokenizer.json, which starts in a fraction of the time transformers needs.
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


def _percentile(sorted_values: list[int], share: float) -> int:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def token_lengths(model_folder: str, data_path: str, column: str, sample: int = 5000, seed: int = 0) -> dict:
    """Count, mean and percentiles of the token lengths of `column` under the model's tokenizer."""
    if not os.path.exists(data_path):
        raise AirlockError("FILE_NOT_FOUND", f"The dataset {data_path} does not exist.", field="data.train_path")
    texts = _sample(_column_values(data_path, column), sample, seed)
    if not texts:
        raise AirlockError("DATASET_EMPTY", f"The column '{column}' has no text.", field="data.text_column")
    lengths = sorted(_encoder(model_folder)(texts))
    return {
        "count": len(lengths),
        "mean": sum(lengths) / len(lengths),
        "p50": _percentile(lengths, 0.5),
        "p95": _percentile(lengths, 0.95),
        "p99": _percentile(lengths, 0.99),
        "max": lengths[-1],
    }
