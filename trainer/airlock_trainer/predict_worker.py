"""`predict-worker --model M --max-length N`: a loaded model that answers prediction requests until stdin ends.

Starting Python, torch and transformers costs seconds; the app keeps one of these per model warm so
that a second "try it" or a whole file does not pay it again. Protocol, one UTF-8 JSON object per line:

  stdin   {"id": 7, "texts": ["...", ...], "top": 2}     (`top`: how many labels' scores to return; all when absent)
          {"id": 8, "files": ["/abs/a.png", ...]}         image or audio models: files to decode and score; a file
                                                          that cannot be used gets {"error": {code, message}}
          {"id": 9, "prompt": "...", "max_new_tokens": 64, "temperature": 0}
                                                          causal LMs: the prompt (or chat turns) to answer
  stdout  predict_ready {labels, problem_type, load_s}     once, after the model is loaded (problem_type causal_lm
                                                          for a causal LM, with no labels)
          predictions {id, predictions: [...]}            one per request, in order
          generated_text {id, text}                       a causal LM's answer, piece by piece as it is decoded
          generated {id, text, tokens, duration_s}        then the whole answer, once
          predict_failed {id, code, message, hint}        a request that could not be answered; the worker goes on
          finished / error                                when stdin ends / when the model cannot be loaded

The texts come from the app, which reads the user's file: nothing here parses a data file.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from typing import IO, Iterable

from .errors import AirlockError, to_airlock_error
from .events import EventWriter
from .offline import cache_root, enforce_offline
from .lm_load import is_lm_folder
from .lm_predict import LmPredictor
from .predict import Predictor

log = logging.getLogger("airlock_trainer")
MAX_TEXTS_PER_REQUEST = 1024


def serve(args, writer: EventWriter, lines: Iterable[bytes] | None = None) -> None:
    """Loads the model, then answers each request line until the input ends."""
    started = time.monotonic()
    enforce_offline(cache_root(None))
    model_dir = os.path.abspath(args.model)
    if is_lm_folder(model_dir):
        predictor = LmPredictor(model_dir)
        writer.emit("predict_ready", labels=[], problem_type="causal_lm", load_s=round(time.monotonic() - started, 3))
    else:
        predictor = Predictor(model_dir, args.max_length)
        writer.emit("predict_ready", labels=predictor.labels, problem_type=predictor.problem_type,
                    load_s=round(time.monotonic() - started, 3))
    answered = 0
    for raw in lines if lines is not None else _stdin():
        if not raw.strip():
            continue
        request_id = None
        try:
            request = _load(raw)
            request_id = request["id"]
            if isinstance(predictor, LmPredictor):
                _answer(predictor, request, writer)
                answered += 1
                continue
            if "prompt" in request:
                raise AirlockError("INVALID_INPUT", "This model labels its input; it does not answer prompts.",
                                   hint="Give it texts or files to label, or pick a model fine-tuned with model.task "
                                   "causal_lm.", field="prompt")
            files = "files" in request
            texts, top = _texts_and_top(request, "files" if files else "texts")
            if not texts:
                predictions = []
            else:
                predictions = predictor.predict_files(texts, top) if files else predictor.predict(texts, top)
        except Exception as error:  # noqa: BLE001 - one bad request must not end a warm worker
            if not isinstance(error, AirlockError):
                log.exception("request %s failed", request_id)
            writer.emit("predict_failed", id=request_id, **to_airlock_error(error).payload())
            continue
        writer.emit("predictions", id=request_id, predictions=predictions)
        answered += 1
        if writer.reader_gone:
            break
    writer.finished("completed", duration_s=time.monotonic() - started, details={"requests": answered})


def _answer(predictor: LmPredictor, request: dict, writer: EventWriter) -> None:
    """Streams a causal LM's answer to one prompt request, then sends it whole."""
    prompt = request.get("prompt")
    if not (isinstance(prompt, str) and prompt.strip()) and not (isinstance(prompt, list) and prompt):
        raise AirlockError("INVALID_INPUT", f"Request {request['id']}: this model answers prompts; give \"prompt\".",
                           hint="A text model that generates takes --prompt, not --text or --file.")
    result = predictor.generate(prompt, max_new_tokens=request.get("max_new_tokens", 64),
                                temperature=request.get("temperature", 0),
                                on_text=lambda piece: writer.emit("generated_text", id=request["id"], text=piece))
    writer.emit("generated", id=request["id"], **result)


def _stdin() -> IO[bytes]:
    return sys.stdin.buffer


def _load(raw: bytes) -> dict:
    """The request object with its integer id, or AirlockError."""
    try:
        request = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AirlockError("INVALID_INPUT", f"A prediction request is not JSON ({error}).") from None
    if not isinstance(request, dict) or not isinstance(request.get("id"), int):
        raise AirlockError("INVALID_INPUT", "A prediction request needs an integer id.")
    return request


def _texts_and_top(request: dict, key: str = "texts") -> tuple[list[str], int | None]:
    """The request's texts (or file paths, key "files") and `top`, or AirlockError naming what is wrong with them."""
    texts, top = request.get(key), request.get("top")
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        raise AirlockError("INVALID_INPUT", f"Request {request['id']}: {key} must be a list of strings.")
    if len(texts) > MAX_TEXTS_PER_REQUEST:
        raise AirlockError("INVALID_INPUT", f"Request {request['id']}: at most {MAX_TEXTS_PER_REQUEST} {key} per request.")
    if top is not None and (not isinstance(top, int) or top < 1):
        raise AirlockError("INVALID_INPUT", f"Request {request['id']}: top must be a positive integer.")
    return texts, top
