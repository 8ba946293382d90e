"""Dynamic padding and length-grouped batches; exact mid-epoch resume of the batch order."""

from __future__ import annotations

import random
import statistics

from transformers import AutoTokenizer

from airlock_trainer.batching import BatchLoader, PadCollator, TokenizedRows, grouped_batches
from airlock_trainer.dataset import tokenize
from airlock_trainer.devices import loader_workers
from airlock_trainer.rows import Rows
from airlock_trainer.tasks import Classification
from conftest import text_for


def padding_share(batches, lengths) -> float:
    padded = sum(max(lengths[i] for i in batch) * len(batch) for batch in batches)
    return 1 - sum(lengths) / padded


def test_grouped_batches_cover_every_row_once_and_pad_less_than_random():
    rng = random.Random(0)
    lengths = [rng.randint(4, 120) for _ in range(2000)]
    grouped = grouped_batches(lengths, batch_size=16, seed=1, epoch=0)
    assert sorted(i for batch in grouped for i in batch) == list(range(len(lengths)))
    order = list(range(len(lengths)))
    rng.shuffle(order)
    random_batches = [order[i:i + 16] for i in range(0, len(order), 16)]
    assert padding_share(grouped, lengths) < padding_share(random_batches, lengths) / 3
    assert grouped != grouped_batches(lengths, batch_size=16, seed=1, epoch=1)  # reshuffled per epoch
    assert grouped == grouped_batches(lengths, batch_size=16, seed=1, epoch=0)  # and reproducible
    assert max(lengths[i] for i in grouped[0]) == max(lengths)  # longest batch first


def test_batches_are_padded_to_their_own_longest_row(tiny_model):
    rng = random.Random(3)
    labels = ["neg", "neu", "pos"]
    table = Rows({"text": [text_for(rng.choice(labels), rng) for _ in range(200)],
                  "label": [rng.choice(labels) for _ in range(200)]})
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    task = Classification("label")
    task.fit(table["label"])
    encoded = tokenize(table, tokenizer, 64, task, lambda message, fraction: None)
    assert "length" in encoded.column_names and max(encoded["length"]) <= 64
    loader = BatchLoader(TokenizedRows(encoded), encoded["length"], PadCollator(tokenizer.pad_token_id), 8, seed=0,
                         shuffle=True)
    batches = list(loader)
    assert len(batches) == len(loader) == 25
    widths = [batch["input_ids"].shape[1] for batch in batches]
    assert len(set(widths)) > 3 and statistics.mean(widths) < 64
    for batch in batches:
        assert batch["input_ids"].shape == batch["attention_mask"].shape
        assert batch["attention_mask"].sum(dim=1).max() == batch["input_ids"].shape[1]  # no column of pure padding
        assert batch["labels"].shape[0] == batch["input_ids"].shape[0]

    loader.set_epoch(2)
    full = [batch["input_ids"].tolist() for batch in loader]
    loader.resume_at(2, 10)
    assert [batch["input_ids"].tolist() for batch in loader] == full[10:]


def test_worker_processes_serve_the_same_batches_in_the_same_order(tiny_model):
    rng = random.Random(5)
    table = Rows({"text": [text_for("pos", rng) for _ in range(60)], "label": [rng.choice(["a", "b"]) for _ in range(60)]})
    tokenizer = AutoTokenizer.from_pretrained(tiny_model)
    task = Classification("label")
    task.fit(table["label"])
    encoded = tokenize(table, tokenizer, 32, task, lambda message, fraction: None)

    def served(workers: int) -> list:
        loader = BatchLoader(TokenizedRows(encoded), encoded["length"], PadCollator(tokenizer.pad_token_id), 8, seed=3,
                             shuffle=True, num_workers=workers)
        loader.set_epoch(1)
        return [batch["input_ids"].tolist() + [batch["labels"].tolist()] for batch in loader]

    assert served(2) == served(0)


def test_loader_workers_only_on_gpus_and_shared_between_devices(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "9")  # cpu_threads() takes it as the usable cores
    assert loader_workers({"accelerator": "cpu", "devices": 1}) == 0
    assert loader_workers({"accelerator": "cuda", "devices": 1}) == 4  # capped
    assert loader_workers({"accelerator": "cuda", "devices": 2}) == 3  # 4 cores each, one for the main process
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert loader_workers({"accelerator": "cuda", "devices": 1}) == 0


def test_evaluation_rows_are_split_over_ranks_without_loss_or_overlap():
    lengths = [random.Random(row).randint(1, 40) for row in range(37)]
    shares = [BatchLoader(list(range(37)), lengths, None, 4, seed=0, shuffle=False, rank=rank, world_size=3)
              for rank in range(3)]
    rows = [row for loader in shares for batch in loader.batches() for row in batch]
    assert sorted(rows) == list(range(37))  # every row once across the ranks, none dropped
    assert all(len(loader) == len(loader.batches()) > 0 for loader in shares)
    training = [BatchLoader(list(range(37)), lengths, None, 4, seed=0, shuffle=True, rank=rank, world_size=3)
                for rank in range(3)]
    assert len({len(loader.batches()) for loader in training}) == 1  # training steps stay equal on every rank
