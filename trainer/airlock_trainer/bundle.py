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
    from .lm_load import is_adapter_folder, is_lm_folder

    if not is_adapter_folder(model_dir):
        check_model_files(model_dir, allow_pickle=False)
    if os.path.exists(out):
        raise AirlockError("EXPORT_TARGET_EXISTS", f"{out} already exists.", hint="Export into a new folder.")
    writer.progress("exporting", "Loading the model", 0.1)
    import mlflow

    details: dict = {}
    if is_lm_folder(model_dir):
        from .lm_bundle import base_of, save_lm_bundle

        modality = "text"
        details = save_lm_bundle(mlflow, model_dir, out, args, _requirements(), writer)
        details["base"] = base_of(model_dir)
        weights = os.path.join(out, details["weights"])
    else:
        from .inspect import model_modality

        modality = model_modality(model_dir)
        save = {"image": _save_image_bundle, "audio": _save_audio_bundle}.get(modality, _save_text_bundle)
        save(mlflow, model_dir, out, args, writer)
        weights = os.path.join(out, "artifacts" if modality == "audio" else "", "model", "model.safetensors")
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
    writer.finished("completed", duration_s=time.monotonic() - started,
                    details={"files": files, "modality": modality, **details})


def _save_text_bundle(mlflow, model_dir: str, out: str, args, writer: EventWriter) -> None:
    """A text-classification pipeline under MLflow's transformers flavor."""
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


def _save_image_bundle(mlflow, model_dir: str, out: str, args, writer: EventWriter) -> None:
    """An image-classification pipeline under MLflow's transformers flavor: predict takes image file paths."""
    from transformers import AutoModelForImageClassification, pipeline

    from .media_modality import ImageModality

    processor = ImageModality().load_processor(model_dir)
    model = AutoModelForImageClassification.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False,
                                                            use_safetensors=True)
    model.name_or_path = args.source_name
    classifier = pipeline("image-classification", model=model, image_processor=processor)
    writer.progress("exporting", "Writing the MLflow model", 0.4)
    import importlib.metadata as metadata

    pillow = f"Pillow=={metadata.version('Pillow')}"  # the pipeline decodes the image files with it
    mlflow.transformers.save_model(classifier, out, task="image-classification", pip_requirements=_requirements() + [pillow],
                                   metadata={"airlock_model": args.source_name})


def _save_audio_bundle(mlflow, model_dir: str, out: str, args, writer: EventWriter) -> None:
    """A python_function model from code (no pickle): predict takes audio file paths.

    MLflow's audio-classification pipeline decodes files with ffmpeg, which an air-gapped machine rarely
    has; the model code decodes with soundfile and soxr as training did."""
    writer.progress("exporting", "Writing the MLflow model", 0.4)
    code = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyfunc_audio_model.py")
    import importlib.metadata as metadata

    extra = [f"{name}=={metadata.version(name)}" for name in ("soundfile", "soxr", "pandas")]
    mlflow.pyfunc.save_model(out, python_model=code, artifacts={"model": model_dir},
                             pip_requirements=_requirements() + extra, metadata={"airlock_model": args.source_name})
