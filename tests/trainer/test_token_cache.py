"""Tokenizing once: a second run on the same texts reads the token ids back; any change of key misses."""

from __future__ import annotations

import os
import shutil

from transformers import AutoTokenizer

from airlock_trainer.paths import token_cache_dir
from airlock_trainer.token_cache import KEEP_FILES, TokenCache, tokenizer_fingerprint
from conftest import run_trainer, train_args, write_config, write_dataset


def tokenizing_messages(result) -> list[str]:
    return [event["message"] for event in result.of_type("progress") if event["stage"] == "tokenizing"]


def test_second_run_reads_the_tokens_back_and_a_new_max_length_misses(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 60, seed=1)
    test = write_dataset(tmp_path / "test", 20, seed=3)
    config = write_config(tmp_path / "config.yaml", tiny_model, train, data={"test_path": str(test)},
                          training={"max_steps": 2})
    first = run_trainer(*train_args(config, tmp_path / "run-1"))
    assert first.last["type"] == "finished", first.stderr[-3000:]
    assert first.last["details"]["tokenize_cached_splits"] == 0 and first.last["details"]["tokenize_splits"] == 3
    assert first.last["details"]["attention"] == "sdpa" and first.last["details"]["compiled"] is False
    assert os.listdir(token_cache_dir(str(train))) and os.listdir(token_cache_dir(str(test)))

    second = run_trainer(*train_args(config, tmp_path / "run-2"))
    assert second.last["details"]["tokenize_cached_splits"] == 3, tokenizing_messages(second)
    assert "(all from the cache)" in tokenizing_messages(second)[-1]
    # the same token ids: the same seeded run gives the same results
    assert second.last["metrics"] == first.last["metrics"]

    longer = write_config(tmp_path / "config-64.yaml", tiny_model, train, data={"test_path": str(test), "max_length": 64},
                          training={"max_steps": 2})
    third = run_trainer(*train_args(longer, tmp_path / "run-3"))
    assert third.last["details"]["tokenize_cached_splits"] == 0, tokenizing_messages(third)


def test_cache_key_covers_texts_tokenizer_and_max_length(tmp_path, tiny_model):
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    key = tokenizer_fingerprint(tiny_model, tokenizer)
    texts = ["the film was great", "bad", ""]
    columns = {name: values for name, values in tokenizer(texts, truncation=True, max_length=8).items()}
    cache = TokenCache(str(tmp_path), key, 8)
    assert cache.load(texts) is None
    cache.save(texts, columns)
    assert cache.load(texts) == {name: [list(row) for row in rows] for name, rows in columns.items()}
    assert TokenCache(str(tmp_path), key, 9).load(texts) is None  # max_length
    assert TokenCache(str(tmp_path), "other tokenizer", 8).load(texts) is None
    assert cache.load(texts[:2]) is None and cache.load(["bad", "the film was great", ""]) is None  # texts, in order
    assert cache.load(["the film was", "great bad", ""]) is None  # the same characters split differently

    copy = tmp_path / "model-copy"
    shutil.copytree(tiny_model, copy)
    assert tokenizer_fingerprint(str(copy), tokenizer) == key  # the files' contents, not their folder
    (copy / "vocab.txt").write_text((copy / "vocab.txt").read_text() + "extra\n")
    assert tokenizer_fingerprint(str(copy), tokenizer) != key


def test_a_damaged_cache_file_is_a_miss_and_old_files_are_pruned(tmp_path):
    cache = TokenCache(str(tmp_path), "tokenizer", 16)
    texts = ["one"]
    cache.save(texts, {"input_ids": [[1, 5, 2]], "attention_mask": [[1, 1, 1]]})
    path = os.path.join(cache.folder, cache.key(texts) + ".npz")
    with open(path, "wb") as handle:
        handle.write(b"not a zip file")
    assert cache.load(texts) is None
    for index in range(KEEP_FILES + 3):
        cache.save([f"text {index}"], {"input_ids": [[1, index, 2]], "attention_mask": [[1, 1, 1]]})
    kept = [name for name in os.listdir(cache.folder) if name.endswith(".npz")]
    assert len(kept) == KEEP_FILES and not any(name.startswith(".partial-") for name in os.listdir(cache.folder))
    assert cache.load([f"text {KEEP_FILES + 2}"]) == {"input_ids": [[1, KEEP_FILES + 2, 2]],
                                                      "attention_mask": [[1, 1, 1]]}
