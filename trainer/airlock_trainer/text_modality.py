"""The text modality: the model's tokenizer turns each row's text into token ids, once (cached per dataset), and
batches are length-grouped and padded per batch. The image and audio modalities (media_modality.py) have the
same methods; tasks.py decides what the labels become, so a modality never looks at them beyond `task.targets`.
"""

from __future__ import annotations

import time

from .events import EventWriter
from .model_limits import pad_model_config, use_eos_for_padding

_SPLIT_WORDS = {"train": "training", "val": "validation", "test": "test"}


class TextModality:
    name = "text"

    def prepare(self, config: dict, setup: dict, task, tables, writer: EventWriter) -> tuple:
        """(tokenizer, tokenized splits, timing details): each split tokenized, or read back from the token cache."""
        from transformers import AutoTokenizer  # after the data checks: a bad column is reported in seconds

        from .dataset import tokenize
        from .token_cache import TokenCache, tokenizer_fingerprint

        # The tokenizer is part of the tokenizing stage: stages go forward (reading, tokenizing, loading the model, ...).
        writer.progress("tokenizing", "Loading the tokenizer", 0.0)
        tokenizer = AutoTokenizer.from_pretrained(setup["model_dir"], local_files_only=True, trust_remote_code=False)
        use_eos_for_padding(tokenizer, setup["model_dir"])  # before tokenizing: the saved tokenizer keeps it
        max_length = config["data"]["max_length"]  # check_max_length refused any longer than the model can read
        tokenizer_key = tokenizer_fingerprint(setup["model_dir"], tokenizer)
        started, hits = time.monotonic(), 0
        encoded = {}
        splits = [(split, getattr(tables, split)) for split in ("train", "val", "test") if getattr(tables, split) is not None]
        total_rows = max(1, sum(len(table) for _, table in splits))
        done_rows = 0
        for split, table in splits:
            # One fraction for the whole stage, by rows: it never falls back to 0 when the next split starts.
            def report(message, fraction, start=done_rows, rows=len(table)):
                writer.progress("tokenizing", message, (start + fraction * rows) / total_rows)

            report(f"Tokenizing {_SPLIT_WORDS[split]} rows", 0.0)
            cache = TokenCache(tables.folders[split], tokenizer_key, max_length)
            encoded[split] = tokenize(table, tokenizer, max_length, task, report, cache)
            hits += cache.hits
            done_rows += len(table)
        seconds = time.monotonic() - started
        source = "all from the cache" if hits == len(splits) else f"{hits} of {len(splits)} from the cache" if hits else ""
        writer.progress("tokenizing", f"Tokenized in {seconds:.1f} s" + (f" ({source})" if source else ""), 1.0)
        timing = {"tokenize_s": round(seconds, 3), "tokenize_cached_splits": hits, "tokenize_splits": len(splits)}
        return tokenizer, encoded, timing

    def load_model(self, model_dir: str, task, weights: str, tokenizer):
        """AutoModelForSequenceClassification with the task's head; a decoder's head finds each row's last token
        through pad_token_id, so the model learns the tokenizer's padding token."""
        from .module import load_classifier

        model = load_classifier(model_dir, task, weights)
        pad_model_config(model, tokenizer)
        return model

    def datamodule(self, encoded: dict, tokenizer, config: dict, runtime: dict):
        from .data import TextDataModule
        from .devices import loader_workers

        training = config["training"]
        return TextDataModule(
            encoded["train"], encoded["val"], encoded.get("test"), pad_token_id=tokenizer.pad_token_id,
            padding_side=tokenizer.padding_side, batch_size=training["batch_size"], seed=training["seed"],
            pin_memory=runtime["accelerator"] == "cuda", num_workers=loader_workers(runtime))

    def saved_settings(self, tokenizer, config: dict) -> dict:
        return {}


def modality_for(kind: str | None):
    """The modality of a dataset: text, or the image/audio one its canonical table names."""
    if kind is None:
        return TextModality()
    from .media_modality import MEDIA_MODALITIES

    return MEDIA_MODALITIES[kind]
