"""The team's own Python named by a config: imported from the files the config names, and blamed when it fails.

When the app starts a run it copies each named file into <run-dir>/extensions/ and points the run's
config.yaml at the copy, with the copy's SHA-256; so a resume runs exactly the code the run started with.
Each file is imported under a module name of its own (per run and file), never through sys.path, so two
runs' `losses.py` cannot meet and the user's file cannot shadow a library.

A failure inside that code is the user's to fix: it becomes EXTENSION_FAILED, naming the config field,
the file, the line and the frames of the user's own traceback (never Airlock's or a library's).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import linecache
import os
import re
import sys
import traceback
from typing import Any, Callable

from .errors import AirlockError
from .extensions_config import code_references, split_path

FIX_HINT = ("Fix the code and start a new run. This run keeps the copy of the file it started with, "
            "so resuming it would run the same code again.")


class UserCode:
    """The user code a config names: loaded once per file, looked up by config field."""

    def __init__(self, config: dict, config_path: str, run_id: str):
        self.config_dir = os.path.dirname(os.path.abspath(config_path))
        self.run_tag = re.sub(r"\W", "_", run_id)
        self.references = dict(code_references(config))  # field -> {path, args, sha256?, source?}
        self.modules: dict[str, Any] = {}  # absolute file -> module
        self.files: dict[str, tuple[str, str]] = {}  # absolute file -> (field, name shown to the user)
        self.checkpoint_dir: str | None = None  # named in a failure's hint when a checkpoint is there

    def __bool__(self) -> bool:
        return bool(self.references)

    def load_all(self) -> None:
        """Imports every named file and finds every name now, so a typo fails before the data is read."""
        for field in self.references:
            self.resolve(field)

    def reference(self, field: str) -> dict:
        return self.references[field]

    def resolve(self, field: str) -> Any:
        """The function or class `field` names, from its file."""
        reference = self.references[field]
        file, name = split_path(reference["path"])
        path = file if os.path.isabs(file) else os.path.join(self.config_dir, file)
        path = os.path.abspath(path)
        shown = reference.get("source") or file
        self.files.setdefault(path, (field, shown))
        module = self._module(path, field, shown, reference.get("sha256"))
        if not hasattr(module, name):
            defined = sorted(key for key, value in vars(module).items()
                             if not key.startswith("_") and getattr(value, "__module__", None) == module.__name__)
            raise AirlockError("EXTENSION_FAILED", f"{shown} has no function or class named {name!r} "
                               f"(named by {field}).", field=field,
                               hint=f"Names defined there: {', '.join(defined) or 'none'}. Fix the name after "
                                    "the colon in the config, or the file.")
        return getattr(module, name)

    def _module(self, path: str, field: str, shown: str, sha256: str | None):
        if path in self.modules:
            return self.modules[path]
        if not os.path.isfile(path):
            raise AirlockError("FILE_NOT_FOUND", f"The file {shown} named by {field} does not exist ({path}).",
                               field=field, hint="Check the path; a relative path starts at the config file's folder.")
        if sha256:
            with open(path, "rb") as handle:
                actual = hashlib.sha256(handle.read()).hexdigest()
            if actual != sha256:
                raise AirlockError("EXTENSION_FAILED", f"The file {shown} named by {field} has changed since the run "
                                   f"recorded it (SHA-256 {actual[:12]}…, recorded {sha256[:12]}…).", field=field,
                                   hint="Start a new run to use the changed file.")
        # One module name per run and file: runs and files never share a module, and nothing joins sys.path.
        digest = hashlib.sha256(path.encode()).hexdigest()[:10]
        module_name = f"airlock_user_{self.run_tag}_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module  # dataclasses and pickling look modules up by name
        writes_bytecode = sys.dont_write_bytecode
        sys.dont_write_bytecode = True  # no __pycache__ beside the run's recorded copy
        try:
            spec.loader.exec_module(module)
        except BaseException as error:  # noqa: BLE001 - whatever the user's file raises while it loads
            sys.modules.pop(module_name, None)
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            raise self.failure(error, field, when="while loading") from None
        finally:
            sys.dont_write_bytecode = writes_bytecode
        self.modules[path] = module
        return module

    def call(self, field: str, function: Callable, *args, **kwargs):
        """Calls user code; anything it raises becomes EXTENSION_FAILED for `field`."""
        try:
            return function(*args, **kwargs)
        except AirlockError:
            raise
        except Exception as error:  # noqa: BLE001 - the user's exception, reported as theirs
            raise self.failure(error, field) from None

    def failure(self, error: BaseException, field: str | None = None, when: str = "") -> AirlockError:
        """EXTENSION_FAILED for an exception raised in (or while loading) the user's code."""
        frames = self.user_frames(error)
        if field is None:
            field = self.files[frames[-1][0]][0] if frames else next(iter(self.references), None)
        path = frames[-1][0] if frames else None
        line = frames[-1][1] if frames else None
        if isinstance(error, SyntaxError) and error.filename and os.path.abspath(error.filename) in self.files:
            path, line = os.path.abspath(error.filename), error.lineno
        shown = self.files.get(path, (field, None))[1] if path else None
        where = f" at line {line} of {shown}" if shown and line else ""
        summary = "".join(traceback.format_exception_only(type(error), error)).strip().splitlines()[-1]
        details = [f'File "{self.files.get(file, (None, file))[1]}", line {number}, in {function}: {text}'.rstrip(": ")
                   for file, number, function, text in frames]
        if isinstance(error, SyntaxError) and error.text:
            details.append(f'File "{shown}", line {error.lineno}: {error.text.strip()}')
        details.append(summary)
        hint = FIX_HINT
        last = os.path.join(self.checkpoint_dir, "last.ckpt") if self.checkpoint_dir else None
        if last and os.path.isfile(last):
            hint += f" The last checkpoint is kept: {last}."
        words = f" {when}" if when else ""
        return AirlockError("EXTENSION_FAILED", f"Your code in {field} failed{words}{where}: {summary}",
                            hint=hint, field=field, details=details)

    def user_frames(self, error: BaseException) -> list[tuple[str, int, str, str]]:
        """(file, line, function, source line) of the traceback frames in the user's files, innermost last."""
        frames = []
        for frame in traceback.extract_tb(error.__traceback__):
            path = os.path.abspath(frame.filename)
            if path in self.files:
                text = frame.line or linecache.getline(path, frame.lineno or 0).strip()
                frames.append((path, frame.lineno or 0, frame.name, text))
        return frames

    def explain(self, error: BaseException) -> BaseException:
        """EXTENSION_FAILED when the user's code raised `error` (deep in Lightning, say); otherwise `error`."""
        if isinstance(error, AirlockError) or not self.files or not isinstance(error, Exception):
            return error
        return self.failure(error) if self.user_frames(error) else error


def accepts(function: Callable, name: str) -> bool:
    """True when `function` takes a keyword argument called `name`."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return name in parameters and parameters[name].kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                            inspect.Parameter.KEYWORD_ONLY)


def wrong_shape(field: str, shown: str, expected: str, got: Any) -> AirlockError:
    """EXTENSION_FAILED for user code that returned something Airlock cannot use."""
    kind = type(got).__name__
    shape = getattr(got, "shape", None)
    described = f"{kind} of shape {tuple(shape)}" if shape is not None else f"{kind} {str(got)[:60]!r}"
    return AirlockError("EXTENSION_FAILED", f"Your code in {field} ({shown}) returned a {described}; "
                        f"Airlock needs {expected}.", field=field, hint="Change what the function returns. " + FIX_HINT)


def build_callbacks(user_code: UserCode, callbacks: list) -> list:
    """The user's Lightning callbacks, each built with its args as keyword arguments."""
    import lightning.pytorch as pl

    built = []
    for index in range(len(callbacks)):
        field = f"training.callbacks[{index}]"
        if field not in user_code.references:
            continue
        reference = user_code.reference(field)
        cls = user_code.resolve(field)
        instance = user_code.call(field, cls, **reference["args"])
        if not isinstance(instance, pl.Callback):
            raise wrong_shape(field, reference["path"], "a lightning.pytorch.Callback (a class deriving from it)",
                              instance)
        built.append(instance)
    return built


def preprocess_tables(user_code: UserCode, tables):
    """Each split's texts passed through data.preprocess; its output is what gets tokenized."""
    if "data.preprocess" not in user_code.references:
        return tables
    field = "data.preprocess"
    reference = user_code.reference(field)
    function = user_code.resolve(field)
    for split in ("train", "val", "test"):
        table = getattr(tables, split)
        if table is None:
            continue
        texts = []
        for text in table["text"]:
            result = user_code.call(field, function, text, **reference["args"])
            if not isinstance(result, str):
                raise wrong_shape(field, reference["path"], "a str (the text the model reads) for every row", result)
            texts.append(result)
        setattr(tables, split, table.with_column("text", texts))
    return tables


def preview_rows(user_code: UserCode, texts: list[str]) -> list[dict]:
    """Before and after data.preprocess, for the rows given (the preview before training)."""
    if "data.preprocess" not in user_code.references:
        return [{"text": text, "preprocessed": text} for text in texts]
    field = "data.preprocess"
    reference = user_code.reference(field)
    function = user_code.resolve(field)
    rows = []
    for text in texts:
        result = user_code.call(field, function, text, **reference["args"])
        if not isinstance(result, str):
            raise wrong_shape(field, reference["path"], "a str (the text the model reads) for every row", result)
        rows.append({"text": text, "preprocessed": result})
    return rows
