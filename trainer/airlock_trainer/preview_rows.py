"""`preview-rows`: the first training rows before and after data.preprocess, shown before a run starts.

It reads the training table as `train` does (dataset.clean) and runs the same preprocess function, so the
preview is what the model would read (the text, before tokenizing).
"""

from __future__ import annotations

import os

from .config import load_config
from .dataset import clean, resolve_data_path
from .events import EventWriter
from .extensions import UserCode, preview_rows
from .table import read_table
from .tasks import task_for


def preview(config_path: str, rows: int, writer: EventWriter) -> None:
    """Emits one preview_rows event with up to `rows` rows of the training data."""
    config = load_config(config_path)
    base_dirs = [os.getcwd(), os.path.dirname(os.path.abspath(config_path))]
    data = config["data"]
    table = read_table(resolve_data_path(data["train_path"], "data.train_path", base_dirs), "data.train_path")
    if config["model"]["task"] == "causal_lm":
        writer.emit("preview_rows", rows=_sft_rows(table, data, rows))
        return
    cleaned = clean(table, data, "data.train_path", task_for(config))
    first = cleaned.select(range(min(rows, len(cleaned))))
    user_code = UserCode(config, config_path, "preview")
    shown = preview_rows(user_code, list(first["text"]))
    for row, label in zip(shown, first["label"]):
        row["label"] = label
    writer.emit("preview_rows", rows=shown)


def _sft_rows(table, data: dict, rows: int) -> list[dict]:
    """A causal LM's first rows: what it reads (the prompt, or the turns before the last answer) and what it learns
    to write (data.preprocess does not apply to these rows)."""
    from .sft_format import last_answer, prompt_text
    from .sft_rows import read_examples

    shown = []
    for example in read_examples(table, data)[:rows]:
        if "messages" in example:
            turns = example["messages"]
            last = last_answer(turns)
            text = "\n".join(f"{turn['role']}: {turn['content']}" for turn in turns[:last])
            shown.append({"text": text, "preprocessed": text, "label": turns[last]["content"]})
        elif "prompt" in example:
            text = prompt_text(example["prompt"], example.get("input")).rstrip()  # as training writes it
            shown.append({"text": text, "preprocessed": text, "label": example["completion"]})
        else:
            shown.append({"text": example["text"], "preprocessed": example["text"], "label": None})
    return shown
