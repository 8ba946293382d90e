"""`predict`: a saved model's label and probability for texts given on the command line or in a JSON file.

Batched forward passes with the tokenizer's truncation at the run's max_length, so the numbers match
the exported bundle's `transformers` pipeline (which MLflow calls with the same truncation). Whole data
files are not read here: the app reads them (one reading of every dataset) and streams their texts to
the warm `predict-worker` (predict_worker.py).
"""

from __future__ import annotations

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
    """A saved classification model and its tokenizer (texts) or processor (image or audio files), ready to score."""

    def __init__(self, model_dir: str, max_length: int):
        import torch

        from .inspect import model_modality

        check_model_files(model_dir, allow_pickle=False)
        self.torch = torch
        self.modality = model_modality(model_dir)
        if self.modality in ("image", "audio"):
            from .media_modality import MEDIA_MODALITIES

            media = MEDIA_MODALITIES[self.modality]
            self.media, self.processor = media, media.load_processor(model_dir)
            self.model = media.auto_class().from_pretrained(model_dir, local_files_only=True, trust_remote_code=False,
                                                            use_safetensors=True)
            self.media_config = {"data": getattr(self.model.config, "airlock_media", None) or {}}
        else:
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
            self.model = AutoModelForSequenceClassification.from_pretrained(
                model_dir, local_files_only=True, trust_remote_code=False, use_safetensors=True)
        self.model.eval()
        self.max_length = max_length
        self.problem_type = self.model.config.problem_type or "single_label_classification"
        self.labels = [self.model.config.id2label[index] for index in range(self.model.config.num_labels)]

    def predict(self, texts: list[str], top: int | None = None) -> list[dict]:
        """One prediction per text: label and probability, the `top` labels' scores (all when None), the task's extras."""
        if self.modality in ("image", "audio"):
            kind = "pictures" if self.modality == "image" else "sound clips"
            raise AirlockError("MODEL_MODALITY_MISMATCH", f"This model reads {kind}, not text.",
                               hint="Give it files instead: --file <file> (repeatable) or --folder <folder> --out <file.csv>.")
        torch = self.torch
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length, padding=True, return_tensors="pt")
        with torch.no_grad():
            logits = self.model(**encoded).logits.float()
        return [self._one(row, top) for row in logits]

    def predict_files(self, paths: list[str], top: int | None = None) -> list[dict]:
        """One prediction per image or audio file, decoded as in training (no augmentation); a file that cannot
        be used gets {"error": {code, message}} instead, and the others are still scored."""
        from .media_decode import MediaUnreadable

        if self.modality not in ("image", "audio"):
            raise AirlockError("MODEL_MODALITY_MISMATCH", "This model reads text, not image or audio files.",
                               hint="Give it texts (--text), or pick an image or audio model.")
        rows = self.media.rows(paths, [0] * len(paths), self.processor, train=False, augment=False, seed=0,
                               config=self.media_config)
        results: list[dict | None] = [None] * len(paths)
        decoded = []
        for index in range(len(paths)):
            try:
                decoded.append((index, rows[index]))
            except MediaUnreadable as error:
                results[index] = {"error": {"code": error.code, "message": f"{os.path.basename(paths[index])}: {error}"}}
            except OSError as error:
                results[index] = {"error": {"code": "FILE_UNREADABLE", "message": f"{paths[index]}: {error.strerror}"}}
        if decoded:
            batch = self.media.collator(self.processor, self.media_config)([row for _, row in decoded])
            batch.pop("labels")
            batch.pop("row_index")
            with self.torch.no_grad():
                logits = self.model(**batch).logits.float()
            for (index, _), row in zip(decoded, logits):
                results[index] = self._one(row, top)
        return results

    def _one(self, logits, top: int | None) -> dict:
        if self.problem_type == "regression":
            return {"label": self.labels[0], "probability": None, "value": float(logits[0])}
        if self.problem_type == "multi_label_classification":
            probabilities = logits.sigmoid().tolist()
        else:
            probabilities = logits.softmax(dim=-1).tolist()
        order = sorted(range(len(probabilities)), key=probabilities.__getitem__, reverse=True)
        prediction = {"label": self.labels[order[0]], "probability": probabilities[order[0]],
                      "scores": {self.labels[index]: probabilities[index] for index in order[:top]}}
        if self.problem_type == "multi_label_classification":
            prediction["labels"] = [label for label, value in zip(self.labels, probabilities) if value >= 0.5]
        return prediction


def predict(args, writer: EventWriter) -> None:
    """Scores --text and --texts-file values; the results are in the finished event."""
    started = time.monotonic()
    enforce_offline(cache_root(None))
    writer.progress("loading_model", "Loading the model", None)
    predictor = Predictor(os.path.abspath(args.model), args.max_length)
    texts = list(args.text or []) + _texts_from_file(args.texts_file)
    if not texts:
        raise AirlockError("INVALID_INPUT", "Nothing to predict.", hint="Give --text or --texts-file.")
    writer.finished("completed", duration_s=time.monotonic() - started, details={"predictions": _in_batches(predictor, texts, writer)})


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
        batch = texts[start:start + BATCH_SIZE]
        predictions.extend({"text": text, **prediction} for text, prediction in zip(batch, predictor.predict(batch)))
        writer.progress("predicting", f"Predicted {len(predictions)} of {len(texts)} rows", len(predictions) / len(texts))
    return predictions
