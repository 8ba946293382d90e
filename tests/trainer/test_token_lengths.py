"""token-lengths: percentiles of a text column under the model's own tokenizer."""

from __future__ import annotations

from conftest import run_trainer, write_dataset, write_table


def test_token_lengths_of_a_text_column(tiny_model, tmp_path):
    data = write_dataset(tmp_path / "train", rows=60)
    result = run_trainer("token-lengths", "--model", tiny_model, "--data", str(data), "--column", "text")
    assert result.returncode == 0, result.stderr
    lengths = next(event for event in result.events if event["type"] == "token_lengths")
    assert lengths["count"] == 60
    assert 3 <= lengths["p50"] <= lengths["p95"] <= lengths["p99"] <= lengths["max"]  # [CLS] and [SEP] included


def test_token_lengths_sampled_and_a_missing_column(tiny_model, tmp_path):
    data = write_table(tmp_path / "train", ["text", "label"], [["good " * n, "pos"] for n in range(1, 11)])
    result = run_trainer("token-lengths", "--model", tiny_model, "--data", str(data), "--column", "text", "--sample", "5")
    lengths = next(event for event in result.events if event["type"] == "token_lengths")
    assert lengths["count"] == 5
    csv_file = write_dataset(tmp_path / "other", rows=10)
    missing = run_trainer("token-lengths", "--model", tiny_model, "--data", str(csv_file), "--column", "review")
    assert missing.returncode == 1
    assert missing.events[-1]["code"] == "DATASET_COLUMN_MISSING"


def test_token_lengths_of_fine_tuning_rows_are_the_lengths_training_encodes(tmp_path):
    """--sft measures each row as sft_encode builds it (prompt, separator, completion, end-of-text; a rendered chat)."""
    import json

    from make_tiny_bpe_models import make_tiny_llama
    from transformers import AutoTokenizer

    from airlock_trainer.sft_encode import encode_example, leading_bos
    from airlock_trainer.sft_format import settings_for
    from airlock_trainer.sft_rows import read_examples
    from airlock_trainer.table import read_table

    model = make_tiny_llama(str(tmp_path / "llama"))
    tokenizer = AutoTokenizer.from_pretrained(model)
    turns = lambda n: json.dumps([{"role": "user", "content": "hi " * n}, {"role": "assistant", "content": "ok " * n}])
    cases = {
        "prompt_completion": (["prompt", "completion"], [[f"say {'a' * n}", "b " * n] for n in range(1, 8)] + [["", "left out"]],
                              {"prompt_column": "prompt", "completion_column": "completion"}),
        "chat": (["messages"], [[turns(n)] for n in range(1, 6)], {"messages_column": "messages"}),
    }
    for fmt, (columns, rows, names) in cases.items():
        data = write_table(tmp_path / fmt, columns, rows)
        result = run_trainer("token-lengths", "--model", model, "--data", str(data), "--sft", json.dumps({"format": fmt, **names}))
        assert result.returncode == 0, result.stderr
        measured = next(event for event in result.events if event["type"] == "token_lengths")
        section = {"format": fmt, "max_length": None, **names}
        examples = read_examples(read_table(str(data), "data"), section)
        settings, bos = settings_for(section, tokenizer), leading_bos(tokenizer)
        expected = sorted(len(encode_example(example, tokenizer, settings, bos)[0]) for example in examples)
        assert measured["lengths"] == expected
        assert measured["count"] == measured["rows"] == len(examples) and measured["max"] == expected[-1]
        assert len(set(expected)) > 1  # the rows differ in length, so a wrong count could not pass by chance
