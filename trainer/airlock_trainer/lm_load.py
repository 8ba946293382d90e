"""Loads a fine-tuned causal LM folder (a run's model/ or a registered version) for generation, export or import.

A LoRA folder holds peft's adapter and airlock_base.json, which names the base model in the offline cache and the
SHA-256 of its weights (base_digest.py); the base is looked up in $AIRLOCK_HOME/models. A full fine-tuning folder
is a complete transformers model. Both hold airlock_generation.json: how training wrote prompts (sft_format.py).
"""

from __future__ import annotations

import json
import os

from .base_digest import weights_digest
from .errors import AirlockError

GENERATION_FILE = "airlock_generation.json"
BASE_FILE = "airlock_base.json"
ADAPTER_FILE = "adapter_config.json"


def is_lm_folder(model_dir: str) -> bool:
    """Whether the folder is a fine-tuned causal LM (it records how prompts are written)."""
    return os.path.isfile(os.path.join(model_dir, GENERATION_FILE))


def is_adapter_folder(model_dir: str) -> bool:
    """Whether the folder holds a LoRA adapter rather than a whole model."""
    return os.path.isfile(os.path.join(model_dir, ADAPTER_FILE))


def read_json(model_dir: str, name: str) -> dict:
    """One of the airlock_*.json files of a model folder."""
    path = os.path.join(model_dir, name)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise AirlockError("MODEL_CONFIG_MISSING", f"The model folder {model_dir} has no {name}.",
                           hint="Export or train the model again with this version of Airlock.") from None


def models_root() -> str | None:
    """$AIRLOCK_HOME/models, the offline model cache."""
    home = os.environ.get("AIRLOCK_HOME")
    return os.path.join(home, "models") if home else None


def find_base(model_dir: str, root: str | None = None, *, verify: bool = False) -> str:
    """The cached base model folder of a LoRA adapter: by its cache folder name, else by the SHA-256 of its weights.

    `verify` also checks the named folder's SHA-256 (an adapter from another machine, whose cache names differ; a
    run's own adapter trusts the cache it was trained from, so predict does not re-read gigabytes of weights).
    Raises BASE_MODEL_MISSING naming the base model and its SHA-256 when the cache has neither."""
    base = read_json(model_dir, BASE_FILE)
    root = root or models_root()
    if root and os.path.isdir(root):
        name = base.get("base_model_dir_name")
        named = os.path.join(root, name) if isinstance(name, str) and _plain_name(name) else None
        if named and os.path.isfile(os.path.join(named, "config.json")) and (
                not verify or weights_digest(named) == base["base_sha256"]):
            return named
        for name in sorted(os.listdir(root)):
            folder = os.path.join(root, name)
            if os.path.isfile(os.path.join(folder, "config.json")) and weights_digest(folder) == base["base_sha256"]:
                return folder
    raise base_missing(base)


def _plain_name(name: str) -> bool:
    """A folder name inside the cache (a bundle from elsewhere must not point outside it)."""
    return bool(name) and name not in (".", "..") and os.path.basename(name) == name and "\\" not in name


def base_missing(base: dict) -> AirlockError:
    """BASE_MODEL_MISSING for the base model recorded in airlock_base.json."""
    return AirlockError("BASE_MODEL_MISSING", f"This LoRA adapter was trained on the base model "
                        f"'{base.get('base_model')}' (weights SHA-256 {base.get('base_sha256')}), which is not in the "
                        "offline model cache.", hint="Import that base model with `airlock models import <folder>`, "
                        "then try again.", field="model.name")


def load_lm(model_dir: str, base_dir: str | None = None):
    """(model in eval mode, tokenizer, generation settings). A LoRA adapter is applied to its cached base model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = read_json(model_dir, GENERATION_FILE)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    if is_adapter_folder(model_dir):
        from peft import PeftModel

        base = AutoModelForCausalLM.from_pretrained(base_dir or find_base(model_dir), local_files_only=True,
                                                    trust_remote_code=False, use_safetensors=True)
        model = PeftModel.from_pretrained(base, model_dir, is_trainable=False)
    else:
        model = AutoModelForCausalLM.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False,
                                                     use_safetensors=True)
    model.eval()
    return model, tokenizer, settings


def merged_model(model_dir: str, base_dir: str | None = None):
    """(a plain transformers model with the adapter folded into its weights, tokenizer, settings)."""
    model, tokenizer, settings = load_lm(model_dir, base_dir)
    if is_adapter_folder(model_dir):
        model = model.merge_and_unload()
    return model, tokenizer, settings


def write_merged(model_dir: str, out: str) -> dict:
    """Saves a LoRA adapter folded into its cached base as a full model folder `out` (safetensors, tokenizer,
    airlock_generation.json); what `airlock models import` keeps of an adapter bundle."""
    import shutil

    from .offline import cache_root, enforce_offline

    enforce_offline(cache_root(None))
    if os.path.exists(out):
        raise AirlockError("EXPORT_TARGET_EXISTS", f"{out} already exists.", hint="Write into a new folder.")
    base_dir = find_base(model_dir, verify=True)
    model, tokenizer, _ = merged_model(model_dir, base_dir)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    shutil.copyfile(os.path.join(model_dir, GENERATION_FILE), os.path.join(out, GENERATION_FILE))
    return {"base_dir": base_dir}
