"""`bundle`: writes a saved model as an MLflow model folder (`transformers` and `python_function` flavors).

MLflow itself lays the folder out (mlflow.transformers.save_model on a text-classification pipeline), so
`mlflow.pyfunc.load_model(<folder>)` loads it and predicts. Fully offline: the Hugging Face libraries are
in offline mode, requirements are given rather than inferred, and MLflow telemetry is off. The model card
and manifest.json are Airlock's and are added by the app after this command.
"""

from __future__ import annotations

import logging
import os
import time

from .errors import AirlockError
from .events import EventWriter
from .model_limits import pad_model_config, use_eos_for_padding
from .offline import cache_root, check_model_files, enforce_offline

log = logging.getLogger("airlock_trainer")
MLFLOW_OFFLINE_ENV = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true", "MLFLOW_TRACKING_URI": "",
                      "MLFLOW_REGISTRY_URI": ""}
PIPELINE_TASK = "text-classification"


def _requirements() -> list[str]:
    """Pinned requirements of the bundle: the versions this trainer runs with."""
    import importlib.metadata as metadata

    return [f"{name}=={metadata.version(name)}" for name in ("mlflow", "transformers", "torch", "safetensors", "tokenizers")]


def write_bundle(args, writer: EventWriter) -> None:
    """Saves <model> into the empty folder --out as an MLflow model and reports the files written."""
    started = time.monotonic()
    enforce_offline(cache_root(None))
    for name, value in MLFLOW_OFFLINE_ENV.items():
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    model_dir, out = os.path.abspath(args.model), os.path.abspath(args.out)
    check_model_files(model_dir, allow_pickle=False)
    if os.path.exists(out):
        raise AirlockError("EXPORT_TARGET_EXISTS", f"{out} already exists.", hint="Export into a new folder.")
    writer.progress("exporting", "Loading the model", 0.1)
    import mlflow
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline

    tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False,
                                                               use_safetensors=True)
    # The pipeline pads batches: the bundle must carry a padding token, as Predictor and training use one.
    use_eos_for_padding(tokenizer, model_dir)
    pad_model_config(model, tokenizer)
    # MLflow records name_or_path as the source; the run folder's path means nothing on another machine.
    model.name_or_path = args.source_name
    classifier = pipeline(PIPELINE_TASK, model=model, tokenizer=tokenizer)
    writer.progress("exporting", "Writing the MLflow model", 0.4)
    mlflow.transformers.save_model(
        classifier, out, task=PIPELINE_TASK, pip_requirements=_requirements(),
        model_config={"truncation": True, "max_length": args.max_length},
        metadata={"airlock_model": args.source_name})
    weights = os.path.join(out, "model", "model.safetensors")
    if not os.path.isfile(weights):
        raise AirlockError("INTERNAL_ERROR", "MLflow did not write safetensors weights.",
                           hint="This is a bug in Airlock; please report it.")
    # MLflow's fallback licence text points at the Hugging Face Hub, which the bundle never came from.
    with open(os.path.join(out, "LICENSE.txt"), "w", encoding="utf-8") as handle:
        handle.write(f"{args.source_name} was fine-tuned offline by Airlock from the base model {args.base_model}.\n"
                     "The base model's licence applies to these weights; see README.md for the model's lineage.\n")
    files = sorted(os.path.relpath(os.path.join(folder, name), out).replace(os.sep, "/")
                   for folder, _, names in os.walk(out) for name in names)
    writer.progress("exporting", "MLflow model written", 1.0)
    writer.finished("completed", duration_s=time.monotonic() - started, details={"files": files})
