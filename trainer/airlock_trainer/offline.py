"""Air-gap rules: offline environment, cache folders, and which local model files may be loaded."""

from __future__ import annotations

import glob
import logging
import os
import sys
import tempfile

from .errors import AirlockError

log = logging.getLogger("airlock_trainer")

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "HF_DATASETS_DISABLE_PROGRESS_BARS": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
SAFE_WEIGHTS = ("model.safetensors", "model.safetensors.index.json")
PICKLE_WEIGHTS = ("pytorch_model.bin", "pytorch_model.bin.index.json")
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "spiece.model", "sentencepiece.bpe.model",
                   "merges.txt", "vocab.json", "tokenizer.model")


def cache_root(run_dir: str | None) -> str:
    """$AIRLOCK_HOME/cache when set, else <run-dir>/cache, else a folder under the temp dir: never ~/.cache
    and never the working directory (commands without a run, such as predict, must not litter it)."""
    home = os.environ.get("AIRLOCK_HOME")
    if home:
        return os.path.join(home, "cache")
    if run_dir:
        return os.path.join(run_dir, "cache")
    return os.path.join(tempfile.gettempdir(), "airlock-cache")


def enforce_offline(cache_dir: str) -> None:
    """Forces every Hugging Face library offline and keeps their caches under cache_dir.

    Must run before transformers, datasets or huggingface_hub are imported: they read these at import.
    """
    for name in ("transformers", "datasets", "huggingface_hub"):
        if name in sys.modules:
            log.warning("%s was imported before the offline rules were set", name)
    os.environ.update(OFFLINE_ENV)
    os.environ["HF_HOME"] = os.path.join(cache_dir, "huggingface")
    os.environ["HF_DATASETS_CACHE"] = os.path.join(cache_dir, "datasets")
    os.environ["TORCH_HOME"] = os.path.join(cache_dir, "torch")
    os.environ["XDG_CACHE_HOME"] = cache_dir


def resolve_model_dir(name: str, base_dirs: list[str] | None = None) -> str:
    """model.name as a local folder (absolute, or relative to base_dirs) or an id in $AIRLOCK_HOME/models."""
    candidates = []
    if os.path.isabs(name):
        candidates.append(name)
    else:
        candidates.extend(os.path.join(base, name) for base in (base_dirs or [os.getcwd()]))
        home = os.environ.get("AIRLOCK_HOME")
        if home and "/" not in name and "\\" not in name and name not in (".", ".."):
            candidates.append(os.path.join(home, "models", name))
    for candidate in candidates:
        if os.path.isdir(candidate):
            return os.path.abspath(candidate)
    raise AirlockError(
        "MODEL_NOT_FOUND", f"No model folder or cached model called '{name}' was found.",
        hint="Set model.name to a local Hugging Face model folder or to an id listed by `airlock models`. "
             "Models are never downloaded.", field="model.name")


def weights_format(model_dir: str) -> str | None:
    """'safetensors', 'pickle' or None, looking at the files only."""
    if any(os.path.isfile(os.path.join(model_dir, name)) for name in SAFE_WEIGHTS) or glob.glob(
            os.path.join(model_dir, "*.safetensors")):
        return "safetensors"
    if any(os.path.isfile(os.path.join(model_dir, name)) for name in PICKLE_WEIGHTS) or glob.glob(
            os.path.join(model_dir, "*.bin")):
        return "pickle"
    return None


def has_tokenizer(model_dir: str) -> bool:
    """Whether the folder holds tokenizer files."""
    return any(os.path.isfile(os.path.join(model_dir, name)) for name in TOKENIZER_FILES)


def check_model_files(model_dir: str, allow_pickle: bool) -> str:
    """Checks config, weights and tokenizer (or, for image and audio models, processor) exist and are allowed;
    returns the weights format."""
    if not os.path.isfile(os.path.join(model_dir, "config.json")):
        raise AirlockError("MODEL_CONFIG_MISSING", f"The model folder {model_dir} has no config.json.",
                           hint="Point model.name at a complete Hugging Face model folder.", field="model.name")
    found = weights_format(model_dir)
    if found is None:
        raise AirlockError("MODEL_WEIGHTS_MISSING", f"The model folder {model_dir} has no PyTorch weights "
                           "(model.safetensors or pytorch_model.bin).",
                           hint="Copy the model's weights into the folder, preferably as safetensors.", field="model.name")
    if found == "pickle" and not allow_pickle:
        raise AirlockError("MODEL_WEIGHTS_UNSAFE", "This model's weights are a pickle file (*.bin), which can run "
                           "code when loaded.",
                           hint="Convert the weights to safetensors, or set model.allow_pickle: true if you trust "
                                "where this model came from.", field="model.allow_pickle")
    if not has_tokenizer(model_dir) and not os.path.isfile(os.path.join(model_dir, "preprocessor_config.json")):
        raise AirlockError("MODEL_TOKENIZER_MISSING", f"The model folder {model_dir} has no tokenizer files.",
                           hint="Copy tokenizer.json (or vocab.txt and tokenizer_config.json) into the folder.",
                           field="model.name")
    return found
