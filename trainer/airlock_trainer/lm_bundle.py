"""MLflow bundles of a fine-tuned causal LM: the LoRA adapter alone (small), or the model merged (safetensors).

- adapter: a python_function model from code (pyfunc_lm_adapter.py) whose artifact is the adapter folder; it needs
  its base model's folder at load time. The base model's name and SHA-256 are in airlock_base.json.
- merged: the adapter folded into the base weights (peft merge_and_unload), saved under MLflow's transformers
  flavor as a text-generation pipeline, with a prompt template that writes prompts as training did.
A full fine-tuning folder has no adapter: both kinds are the merged kind.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from .lm_load import BASE_FILE, GENERATION_FILE, is_adapter_folder, merged_model, read_json
from .sft_format import generation_prompt

TASK = "text-generation"
DEFAULT_MAX_NEW_TOKENS = 64
PLACEHOLDER = "\u0000airlock-prompt\u0000"


def save_lm_bundle(mlflow, model_dir: str, out: str, args, requirements: list[str], writer) -> dict:
    """Writes the bundle; returns what the app records about it (kind, base model)."""
    import importlib.metadata as metadata

    if is_adapter_folder(model_dir) and not args.merged:
        writer.progress("exporting", "Writing the LoRA adapter bundle", 0.4)
        code = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyfunc_lm_adapter.py")
        staging = tempfile.mkdtemp(prefix="airlock-adapter-")
        try:  # MLflow names the artifact folder after the source folder
            adapter = os.path.join(staging, "adapter")
            shutil.copytree(model_dir, adapter, ignore=shutil.ignore_patterns("README.md"))  # peft's placeholder card
            signature = mlflow.models.infer_signature(["prompt"], ["answer"],
                                                      params={"max_new_tokens": DEFAULT_MAX_NEW_TOKENS})
            mlflow.pyfunc.save_model(out, python_model=code, artifacts={"adapter": adapter}, signature=signature,
                                     # MLflow lets a loader override only keys saved here: the base folder is the loader's
                                     model_config={"base_model_dir": ""},
                                     pip_requirements=requirements + [f"peft=={metadata.version('peft')}"],
                                     metadata={"airlock_model": args.source_name, "airlock_kind": "lora-adapter"})
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return {"kind": "adapter", "weights": "artifacts/adapter/adapter_model.safetensors"}
    writer.progress("exporting", "Merging the model", 0.2)
    model, tokenizer, settings = merged_model(model_dir)
    model.name_or_path = args.source_name
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    from transformers import pipeline

    generator = pipeline(TASK, model=model, tokenizer=tokenizer)
    writer.progress("exporting", "Writing the MLflow model", 0.4)
    # Greedy by default, as Airlock's own predict; callers may override these per call (params).
    defaults = {"max_new_tokens": DEFAULT_MAX_NEW_TOKENS, "do_sample": False}
    signature = mlflow.models.infer_signature(["prompt"], ["answer"], params={**defaults, "temperature": 1.0})
    mlflow.transformers.save_model(generator, out, task=TASK, pip_requirements=requirements, signature=signature,
                                   model_config=defaults, prompt_template=_prompt_template(settings, tokenizer),
                                   metadata={"airlock_model": args.source_name, "airlock_kind": "merged"})
    shutil.copyfile(os.path.join(model_dir, GENERATION_FILE), os.path.join(out, GENERATION_FILE))
    return {"kind": "merged", "weights": "model/model.safetensors"}


def _prompt_template(settings: dict, tokenizer) -> str:
    """MLflow's prompt_template ("...{prompt}...", str.format rules) that writes a prompt as training did."""
    text = generation_prompt(settings, tokenizer, PLACEHOLDER)
    return text.replace("{", "{{").replace("}", "}}").replace(PLACEHOLDER, "{prompt}")


def base_of(model_dir: str) -> dict | None:
    """airlock_base.json of a LoRA folder, None for a full model."""
    return read_json(model_dir, BASE_FILE) if is_adapter_folder(model_dir) else None
