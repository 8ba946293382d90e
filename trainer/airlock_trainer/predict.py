"""`predict`: a saved model's label and probability for texts given on the command line or in a data file.

Batched forward passes with the tokenizer's truncation at the run's max_length, so the numbers match
the exported bundle's `transformers` pipeline (which MLflow calls with the same truncation).
"""

from __future__ import annotations

import csv
import json
import logging
import os
import time

from .errors import AirlockError
from .events import EventWriter
from .offline import cache_root, check_model_files, enforce_offline

log = logging.getLogger("airlock_trainer")
BATCH_SIZE = 32


class Predictor:
    """A saved sequence classification model and its tokenizer, ready to score texts."""

    def __init__(self, model_dir: str, max_length: int):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        check_model_files(model_dir, allow_pickle=False)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=True, trust_remote_code=False, use_safetensors=True)
        self.model.eval()
        self.max_length = max_length
        self.problem_type = self.model.config.problem_type or "single_label_classification"
        self.labels = [self.model.config.id2label[index] for index in range(self.model.config.num_labels)]

    def predict(self, texts: list[str]) -> list[dict]:
        """One prediction per text: label and probability (and the task's extra fields)."""
        torch = self.torch
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**encoded).logits.float()
        return [self._one(text, row) for text, row in zip(texts, logits)]

    def _one(self, text: str, logits) -> dict:
        if self.problem_type == "regression":
            value = float(logits[0])
            return {"text": text, "label": self.labels[0], "probability": None, "value": value}
        if self.problem_type == "multi_label_classification":
            probabilities = logits.sigmoid().tolist()
        else:
            probabilities = logits.softmax(dim=-1).tolist()
        top = max(range(len(probabilities)), key=probabilities.__getitem__)
        prediction = {"text": text, "label": self.labels[top], "probability": probabilities[top],
                      "scores": dict(zip(self.labels, probabilities))}
        if self.problem_type == "multi_label_classification":
            prediction["labels"] = [label for label, value in zip(self.labels, probabilities) if value >= 0.5]
        return prediction


def predict(args, writer: EventWriter) -> None:
    """Scores --text values (results in the finished event) or a --data file (results written to --out)."""
    started = time.monotonic()
    enforce_offline(cache_root(None))
    writer.progress("loading_model", "Loading the model", None)
    predictor = Predictor(os.path.abspath(args.model), args.max_length)
    if args.data:
        details = _predict_file(predictor, args, writer)
    else:
        texts = list(args.text or []) + _texts_from_file(args.texts_file)
        if not texts:
            raise AirlockError("INVALID_INPUT", "Nothing to predict.", hint="Give --text, --texts-file or --data.")
        details = {"predictions": _in_batches(predictor, texts, writer)}
    writer.finished("completed", duration_s=time.monotonic() - started, details=details)


def _texts_from_file(path: str | None) -> list[str]:
    """Texts from a JSON list (how the app passes many or long texts: a command line has a length limit)."""
    if not path:
        return []
    with open(path, encoding="utf-8") as handle:
        texts = json.load(handle)
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise AirlockError("INVALID_INPUT", f"{path} is not a JSON list of texts.", hint="Write the texts as [\"...\", ...].")
    return texts


def _in_batches(predictor: Predictor, texts: list[str], writer: EventWriter) -> list[dict]:
    predictions: list[dict] = []
    for start in range(0, len(texts), BATCH_SIZE):
        predictions.extend(predictor.predict(texts[start:start + BATCH_SIZE]))
        writer.progress("predicting", f"Predicted {len(predictions)} of {len(texts)} rows", len(predictions) / len(texts))
    return predictions


def _predict_file(predictor: Predictor, args, writer: EventWriter) -> dict:
    from .table import read_table

    table = read_table(args.data, "data")
    column = table.index(args.column, "column")
    cells = list(table.iter_rows())
    rows = [dict(zip(table.columns, row)) for row in cells]
    texts = ["" if row[column] is None else row[column] for row in cells]
    predictions = _in_batches(predictor, texts, writer) if texts else []
    out = os.path.abspath(args.out)
    partial = f"{out}.partial"
    counts: dict[str, int] = {}
    try:
        _write_predictions(partial, rows, table.columns, predictions, out.lower().endswith(".jsonl"))
        os.replace(partial, out)
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    for prediction in predictions:
        counts[prediction["label"]] = counts.get(prediction["label"], 0) + 1
    return {"out": out, "rows": len(predictions), "column": args.column, "label_counts": counts}


def _write_predictions(path: str, rows: list[dict], columns: list[str], predictions: list[dict], jsonl: bool) -> None:
    """The input rows with the prediction fields added, as JSON Lines or CSV."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if jsonl:
            for row, prediction in zip(rows, predictions):
                handle.write(json.dumps({**row, **_output_fields(prediction)}, ensure_ascii=False, default=str) + "\n")
            return
        added = list(_output_fields(predictions[0])) if predictions else ["predicted_label", "probability"]
        out_writer = csv.DictWriter(handle, fieldnames=columns + added, extrasaction="ignore")
        out_writer.writeheader()
        for row, prediction in zip(rows, predictions):
            out_writer.writerow({**row, **_output_fields(prediction)})


def _output_fields(prediction: dict) -> dict:
    fields = {"predicted_label": prediction["label"], "probability": prediction["probability"]}
    if "labels" in prediction:
        fields["predicted_labels"] = "|".join(prediction["labels"])
    if "value" in prediction:
        fields = {"predicted_value": prediction["value"]}
    return fields
