"""The LightningDataModule: tokenized splits in, padded length-grouped batches out, resumable mid-epoch."""

from __future__ import annotations

import lightning.pytorch as pl

from .batching import BatchLoader, PadCollator, TokenizedRows

# Evaluation keeps no activations for a backward pass, so a batch twice the training size fits in
# the memory training needed, and halves the per-batch overheads of the validation and test passes.
EVAL_BATCH_FACTOR = 2


class TextDataModule(pl.LightningDataModule):
    """Serves tokenized train/val/test tables; remembers how far into an epoch training got."""

    def __init__(self, train, val, test, *, pad_token_id: int, padding_side: str, batch_size: int, seed: int,
                 pin_memory: bool = False, num_workers: int = 0, label_fill: int | None = None):
        super().__init__()
        self.tables = {"train": train, "val": val, "test": test}
        self.collate = PadCollator(pad_token_id, padding_side, label_fill)
        self.batch_size, self.seed, self.pin_memory, self.num_workers = batch_size, seed, pin_memory, num_workers
        self._loaders: dict[str, BatchLoader] = {}
        self._position = (0, 0)  # (epoch, training batches consumed in it)
        self._resume: tuple[int, int] | None = None

    def _loader(self, split: str) -> BatchLoader:
        if split not in self._loaders:
            table = self.tables[split]
            rank, world = (self.trainer.global_rank, self.trainer.world_size) if self.trainer else (0, 1)
            batch_size = self.batch_size if split == "train" else self.batch_size * EVAL_BATCH_FACTOR
            rows, lengths = self._rows_and_lengths(table)
            self._loaders[split] = BatchLoader(
                rows, lengths, self.collate, batch_size, self.seed,
                shuffle=split == "train", rank=rank, world_size=world, pin_memory=self.pin_memory,
                num_workers=self.num_workers)
        return self._loaders[split]

    def _rows_and_lengths(self, table) -> tuple:
        """What a loader reads, and each row's length for grouping batches."""
        return TokenizedRows(table), table["length"]

    def train_dataloader(self) -> BatchLoader:
        """Length-grouped, shuffled training batches (skipping those already done when resuming)."""
        loader = self._loader("train")
        if self._resume is not None:
            loader.resume_at(*self._resume)
            self._position, self._resume = self._resume, None
        return loader

    def val_dataloader(self) -> BatchLoader:
        """Validation batches sorted by length."""
        return self._loader("val")

    def test_dataloader(self) -> BatchLoader:
        """Test batches sorted by length."""
        return self._loader("test")

    def on_before_batch_transfer(self, batch, dataloader_idx: int):
        """Counts training batches as they are consumed (the loader itself runs one batch ahead)."""
        if self.trainer is not None and self.trainer.training:
            epoch, done = self._position
            current = self.trainer.current_epoch
            self._position = (current, done + 1 if current == epoch else 1)
        return batch

    def state_dict(self) -> dict:
        """Where training is in the data order, stored in every checkpoint."""
        epoch, done = self._position
        if "train" in self._loaders and done >= len(self._loaders["train"]):
            epoch, done = epoch + 1, 0
        return {"epoch": epoch, "batches_done": done}

    def load_state_dict(self, state: dict) -> None:
        """Restores the data position from a checkpoint."""
        self._resume = (int(state["epoch"]), int(state["batches_done"]))


class MediaDataModule(TextDataModule):
    """Serves image or audio rows (MediaSplit), decoded and processed in DataLoader worker processes."""

    def __init__(self, train, val, test, *, collate, batch_size: int, seed: int, pin_memory: bool = False):
        from .media_modality import data_workers

        super().__init__(train, val, test, pad_token_id=0, padding_side="right", batch_size=batch_size, seed=seed,
                         pin_memory=pin_memory, num_workers=data_workers())
        self.collate = collate

    def _rows_and_lengths(self, table) -> tuple:
        return table.rows, table.lengths
