"""Batches with little padding: length-grouped sampling and per-batch (dynamic) padding.

Texts are tokenized without padding; each batch is padded only to its own longest row. Training
batches group rows of similar length: shuffle, cut into mega-chunks of `chunk_batches` batches,
sort each chunk by length, split into batches, then shuffle the batches. The order depends only
on (seed, epoch), so an interrupted epoch can be resumed exactly by skipping the batches done.
"""

from __future__ import annotations

import random
from typing import Iterator, Sequence

import torch

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def grouped_batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int,
                    chunk_batches: int = 50) -> list[list[int]]:
    """Length-grouped, shuffled batches of row indices for one epoch; the longest batch comes first."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    chunk = batch_size * chunk_batches
    batches: list[list[int]] = []
    for start in range(0, len(order), chunk):
        part = sorted(order[start:start + chunk], key=lambda index: lengths[index], reverse=True)
        batches.extend(part[offset:offset + batch_size] for offset in range(0, len(part), batch_size))
    rng.shuffle(batches)
    if batches:
        # the most memory-hungry batch first, so an out-of-memory error shows up at once, not hours in
        longest = max(range(len(batches)), key=lambda index: max(lengths[row] for row in batches[index]))
        batches[0], batches[longest] = batches[longest], batches[0]
    return batches


def sorted_batches(lengths: Sequence[int], batch_size: int, rank: int = 0, world_size: int = 1) -> list[list[int]]:
    """Batches for evaluation: rows sorted by length so each batch pads as little as possible.

    With several ranks each takes every world_size-th row of that order, so every row is scored exactly once
    across the ranks and each rank gets rows (an evaluation step has no collective; the metrics are
    reduced once at the end, so the ranks may differ by a batch).
    """
    order = sorted(range(len(lengths)), key=lambda index: lengths[index], reverse=True)[rank::max(1, world_size)]
    return [order[offset:offset + batch_size] for offset in range(0, len(order), batch_size)]


def shard(batches: list[list[int]], rank: int, world_size: int) -> list[list[int]]:
    """Every world_size-th batch for this rank, with equal counts on every rank (DDP needs the same steps)."""
    if world_size <= 1:
        return batches
    per_rank = max(1, len(batches) // world_size)
    return batches[rank::world_size][:per_rank]


class PadCollator:
    """Pads a batch (column dict of lists) to its longest row and returns tensors."""

    def __init__(self, pad_token_id: int, padding_side: str = "right", label_fill: int | None = None):
        self.pad_token_id = pad_token_id
        self.left = padding_side == "left"
        self.label_fill = label_fill  # token-level labels (a causal LM's): padded like the ids with this value

    def __call__(self, columns: dict[str, list]) -> dict[str, torch.Tensor]:
        longest = max(len(ids) for ids in columns["input_ids"])
        batch = {}
        for name in MODEL_INPUTS:
            if name not in columns:
                continue
            fill = self.pad_token_id if name == "input_ids" else 0
            rows = [self._pad(list(row), longest, fill) for row in columns[name]]
            batch[name] = torch.tensor(rows, dtype=torch.long)
        if self.label_fill is not None:
            batch["labels"] = torch.tensor([self._pad(list(row), longest, self.label_fill) for row in columns["labels"]],
                                           dtype=torch.long)
            return batch
        # class ids stay integers (long); multi-hot rows and regression targets are floats (float32)
        labels = torch.tensor(columns["labels"])
        batch["labels"] = labels.float() if labels.is_floating_point() else labels.long()
        return batch

    def _pad(self, row: list[int], longest: int, fill: int) -> list[int]:
        padding = [fill] * (longest - len(row))
        return padding + row if self.left else row + padding


class TokenizedRows(torch.utils.data.Dataset):
    """Tokenized rows (rows.Rows) read a whole batch at a time, as the collator takes them."""

    def __init__(self, table):
        self.table = table.select_columns([name for name in (*MODEL_INPUTS, "labels") if name in table.column_names])

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, index: int) -> dict:
        return self.table[index]

    def __getitems__(self, indices: list[int]) -> dict[str, list]:
        return self.table[indices]


class BatchLoader:
    """An iterable of batches over precomputed index batches, resumable mid-epoch.

    `rows` is a map-style dataset (tokenized texts, or image/audio rows decoded in `num_workers` processes).

    Lightning sees `state_dict`/`load_state_dict` and stores them in checkpoints; `set_epoch` is
    called by Lightning through `.sampler` at each epoch start.
    """

    def __init__(self, rows, lengths: Sequence[int], collate, batch_size: int,
                 seed: int, shuffle: bool, rank: int = 0, world_size: int = 1, pin_memory: bool = False,
                 num_workers: int = 0):
        self.rows, self.lengths, self.collate = rows, lengths, collate
        self.batch_size, self.seed, self.shuffle = batch_size, seed, shuffle
        self.rank, self.world_size, self.pin_memory = rank, world_size, pin_memory
        self.num_workers = num_workers
        self.epoch = 0
        self.done = 0
        self._skip: tuple[int, int] | None = None
        self.sampler = self  # Lightning calls dataloader.sampler.set_epoch(epoch)
        self.batch_sampler = None  # Lightning inspects DataLoader-like attributes

    def set_epoch(self, epoch: int) -> None:
        """Chooses the epoch whose batch order comes next."""
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        """The index batches of the current epoch for this rank."""
        if not self.shuffle:
            return sorted_batches(self.lengths, self.batch_size, self.rank, self.world_size)
        batches = grouped_batches(self.lengths, self.batch_size, self.seed, self.epoch)
        return shard(batches, self.rank, self.world_size)

    def __len__(self) -> int:
        if not self.shuffle:  # evaluation: this rank's share of the rows
            return -(-len(range(self.rank, len(self.lengths), self.world_size)) // self.batch_size)
        count = -(-len(self.lengths) // self.batch_size)  # every chunk but the last splits into whole batches
        return count if self.world_size <= 1 else max(1, count // self.world_size)

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        # A generator: the order is chosen at the first next(), after Lightning's set_epoch.
        batches = self.batches()
        start = 0
        if self._skip is not None and self._skip[0] == self.epoch:
            start = min(self._skip[1], len(batches))
        self._skip = None
        self.done = start
        # Workers (on a GPU) pad the next batches while the device runs this one; the order stays the same.
        if hasattr(self.rows, "epoch"):
            self.rows.epoch = self.epoch  # augmentation is seeded by (seed, epoch, row); workers copy it at start
        loader = torch.utils.data.DataLoader(self.rows, batch_sampler=batches[start:], collate_fn=self.collate,
                                             num_workers=self.num_workers, pin_memory=self.pin_memory)
        for batch in loader:
            self.done += 1
            yield batch

    def resume_at(self, epoch: int, batches_done: int) -> None:
        """Skips the first batches_done batches the next time `epoch` is iterated."""
        self.epoch = epoch
        self._skip = (epoch, batches_done)
