"""`train`: setup → fit → validate/test → save, reading top to bottom.

Everything that can be checked cheaply (config, model files, checkpoint for --resume, data) is
checked before the heavy training imports; the model is loaded only from local folders.
"""

from __future__ import annotations

import logging
import os
import shutil
import time

from .cancel import CancelFlag
from .config import load_config
from .distributed import check_world
from .errors import AirlockError, Cancelled
from .events import EventWriter
from .extensions import UserCode
from .model_limits import check_max_length
from .offline import cache_root, check_model_files, enforce_offline, resolve_model_dir

log = logging.getLogger("airlock_trainer")


def train(args, writer: EventWriter) -> None:
    """Runs one training job and ends with a finished event (completed or cancelled); raises on failure."""
    started = time.monotonic()
    cancel = CancelFlag().install()
    writer.on_reader_gone = cancel.request
    config = load_config(args.config)
    setup = _check_inputs(config, args)
    enforce_offline(cache_root(setup["run_dir"]))
    user_code = setup["user_code"] = UserCode(config, args.config, args.run_id)
    user_code.checkpoint_dir = setup["checkpoint_dir"]
    try:
        user_code.load_all()  # a syntax error or a wrong name is reported before the data is read
        cancel.check()
        if config["model"]["task"] == "causal_lm":  # text generation: its own rows, module and saved adapter
            from . import causal_lm as steps
        else:
            steps = None
        prepared = steps.prepare(config, setup, writer) if steps else _prepare_data(config, setup, writer)
        cancel.check()
        (steps.fit_and_finish if steps else _fit_and_finish)(config, setup, prepared, cancel, writer, started)
    except Cancelled:
        _finish_cancelled(setup, writer, started)
    except Exception as error:  # noqa: BLE001 - the user's own code failing is their error, not Airlock's
        explained = user_code.explain(error)
        if explained is error:
            raise
        raise explained from None


def _check_inputs(config: dict, args) -> dict:
    run_dir = os.path.abspath(args.run_dir)
    checkpoint_dir = os.path.join(run_dir, "checkpoints")
    resume_from = None
    if args.resume:
        resume_from = os.path.join(checkpoint_dir, "last.ckpt")
        if not os.path.isfile(resume_from):
            raise AirlockError("CHECKPOINT_MISSING", f"There is no checkpoint to resume from in {checkpoint_dir}.",
                               hint="Start the run again without resuming.")
    check_world(config["training"])  # a launcher that started another world than the config counts: stop now
    base_dirs = [os.getcwd(), os.path.dirname(os.path.abspath(args.config))]
    model_dir = resolve_model_dir(config["model"]["name"], base_dirs)
    weights = check_model_files(model_dir, config["model"]["allow_pickle"])
    check_max_length(config, model_dir)
    os.makedirs(checkpoint_dir, exist_ok=True)
    return {"run_dir": run_dir, "checkpoint_dir": checkpoint_dir, "resume_from": resume_from, "base_dirs": base_dirs,
            "model_dir": model_dir, "weights": weights}


def _prepare_data(config: dict, setup: dict, writer: EventWriter) -> dict:
    """The task (what the labels become) and the modality's model inputs (what the rows become)."""
    from .dataset import load_tables
    from .tasks import task_for
    from .text_modality import modality_for

    task = task_for(config)
    writer.progress("loading_data", "Reading the data", 0.0)
    tables = load_tables(config, task, setup["base_dirs"],
                         lambda message, fraction: writer.progress("loading_data", message, fraction))
    if setup["user_code"]:
        from .extensions import preprocess_tables

        tables = preprocess_tables(setup["user_code"], tables)  # data.preprocess: its output is what is tokenized
    modality = modality_for(tables.media)
    processor, encoded, timing = modality.prepare(config, setup, task, tables, writer)
    return {"task": task, "modality": modality, "tokenizer": processor, "encoded": encoded, "timing": timing}


def _fit_and_finish(config: dict, setup: dict, prepared: dict, cancel: CancelFlag, writer: EventWriter,
                    started: float) -> None:
    from .lean_imports import import_lightning

    pl = import_lightning()  # first: it keeps torchmetrics from loading matplotlib and scipy
    import torch
    from lightning.pytorch.callbacks import EarlyStopping

    from .callback import EventCallback
    from .checkpoints import CheckpointCallback
    from .devices import choose_runtime, training_threads, tune_cuda
    from .module import ClassifierModule
    from .parallel import end_of_run, make_trainer, whole_weights, world_facts

    training, task, encoded, tokenizer = config["training"], prepared["task"], prepared["encoded"], prepared["tokenizer"]
    runtime = choose_runtime(training)
    setup["world"] = world_facts(training, runtime)  # for the finished event, cancelled too
    torch.set_num_threads(training_threads(runtime))
    tune_cuda(torch, runtime)
    pl.seed_everything(training["seed"], workers=True, verbose=False)
    modality = prepared["modality"]
    writer.progress("loading_model", f"Loading {os.path.basename(setup['model_dir'])}", 0.5)
    try:
        model = modality.load_model(setup["model_dir"], task, setup["weights"], tokenizer)
    except (ValueError, KeyError) as error:
        raise AirlockError("MODEL_UNSUPPORTED", f"This model cannot be fine-tuned as a {modality.name} classifier: "
                           f"{error}", hint=_MODEL_HINTS[modality.name], field="model.name") from None
    model = _finetuning(model, config, modality.name)
    if training["compile"]:
        # In place (nn.Module.compile): parameter names, checkpoints and the saved model stay as without it.
        writer.progress("loading_model", "Compiling the model (the first steps take longer)", 0.9)
        model.compile()
    writer.progress("loading_model", "Model ready", 1.0)
    loss, extra_metrics, user_callbacks = _extensions(config, task, encoded, setup["user_code"])
    module = ClassifierModule(model, task, learning_rate=training["learning_rate"],
                              weight_decay=training["weight_decay"], warmup_ratio=training["warmup_ratio"],
                              loss=loss, extra_metrics=extra_metrics)
    datamodule = modality.datamodule(encoded, tokenizer, config, runtime)
    events = EventCallback(writer, {
        "labels": task.labels, "device_name": runtime["device_name"], "resumed_from": setup["resume_from"],
        "train_rows": len(encoded["train"]), "val_rows": len(encoded["val"]),
        "test_rows": len(encoded["test"]) if "test" in encoded else 0, "world": setup["world"]})
    checkpoints = CheckpointCallback(setup["checkpoint_dir"], cancel, events.checkpoint_saved, task.monitor, task.mode)
    callbacks = [events, checkpoints, *user_callbacks]
    if training["early_stopping_patience"]:
        callbacks.append(EarlyStopping(monitor=task.monitor, mode=task.mode, patience=training["early_stopping_patience"],
                                       check_on_train_epoch_end=False))
    trainer = make_trainer(pl, config, runtime, callbacks, setup["run_dir"])
    fit(trainer, module, datamodule, setup["resume_from"], cancel)

    best = checkpoints.path("best")
    kept = checkpoints.restore_best(trainer, module)  # the best weights, when later ones are in memory
    if kept is not None:
        # The epoch loop already scored these very weights on the validation rows: no second pass.
        metrics = dict(kept["metrics"])
        module.reports["val"] = kept["reports"]
    else:  # no validation ran on the kept weights (stopped by max_steps mid-epoch, or an older checkpoint)
        writer.progress("validating", "Scoring the validation rows", None)
        metrics = dict(trainer.validate(module, datamodule=datamodule, verbose=False)[0])
    report_on = "val"
    if "test" in encoded:
        writer.progress("testing", "Scoring the test rows", None)
        metrics.update(trainer.test(module, datamodule=datamodule, verbose=False)[0])
        report_on = "test"
    train_loss = events.train_loss()
    if train_loss is not None:
        metrics["train/loss"] = train_loss
    model_dir = None
    weights = whole_weights(trainer)  # FSDP: gathered from every rank's shard (a collective: every rank joins)
    if trainer.is_global_zero:
        writer.progress("saving", "Saving the model", None)
        if hasattr(module.model, "merge_and_unload"):  # LoRA: the adapters folded into the weights they sit beside
            module.model = module.model.merge_and_unload()
        task.prepare_to_save(module.model)
        if modality.name != "text":  # how predictions must read files, as training did
            module.model.config.airlock_media = {"modality": modality.name, **modality.saved_settings(tokenizer, config)}
        model_dir = save_model(module.model, tokenizer, setup["run_dir"], weights)
    world = end_of_run(trainer, training, runtime)
    details = task.details(module.reports[report_on], "test" if report_on == "test" else "validation")
    if modality.name != "text" and module.reports[report_on].get("mistakes"):
        details["mistakes"] = _mistakes(module.reports[report_on]["mistakes"], encoded[report_on], task.labels)
    writer.finished("completed", metrics=metrics, model_dir=model_dir, duration_s=time.monotonic() - started, details={
        **details, "steps": int(trainer.global_step), "left_out_rows": task.left_out,
        "epochs": int(trainer.current_epoch), "best_checkpoint": best if os.path.isfile(best) else None,
        **prepared["timing"],
        "precision": runtime["precision"], "device_name": runtime["device_name"],
        "attention": getattr(module.model.config, "_attn_implementation", None), "compiled": training["compile"],
        **world})


def fit(trainer, module, datamodule, resume_from: str | None, cancel: CancelFlag) -> None:
    """trainer.fit from the start or from a checkpoint; Cancelled when stopped by a signal, CONFIG_INVALID when the
    checkpoint is already past the end the config sets."""
    from lightning.pytorch.utilities.exceptions import MisconfigurationException, SIGTERMException

    try:
        trainer.fit(module, datamodule=datamodule, ckpt_path=resume_from, weights_only=False)
    except SIGTERMException:
        raise Cancelled() from None
    except MisconfigurationException as error:
        if "restored a checkpoint" not in str(error):
            raise
        raise AirlockError("CONFIG_INVALID", f"The checkpoint is already past the end this config sets: {error}",
                           hint="Raise training.max_epochs (or max_steps) above what the run has already done.",
                           field="training.max_epochs") from None
    cancel.check()


def _finetuning(model, config: dict, modality: str):
    """training.gradient_checkpointing and training.finetuning for a classifier: LoRA adapters on the encoder (or
    decoder) with the new head trained whole; merged back into plain weights when the model is saved."""
    from .lm_model import add_lora, finetuning_method

    training = config["training"]
    if training["gradient_checkpointing"] and getattr(model, "supports_gradient_checkpointing", False):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    method = finetuning_method(config)
    if method == "full":
        return model
    if method == "qlora" or modality != "text":
        raise AirlockError("CONFIG_INVALID", f"training.finetuning {method} is available for text classifiers "
                           f"(lora) and causal language models (lora, qlora); this run is a {modality} "
                           f"{config['model']['task']} run.", hint="Set training.finetuning to full or auto.",
                           field="training.finetuning")
    heads = [name for name in ("classifier", "score") if hasattr(model, name)]
    model = add_lora(model, {**config["lora"]}, gradient_checkpointing=training["gradient_checkpointing"],
                     task_type="SEQ_CLS", modules_to_save=heads)
    return model


def _mistakes(kept: list[dict], split, labels: list[str]) -> list[dict]:
    """The most confident wrong answers on the scored split, with each example's file (for the Run screen's gallery)."""
    return [{"file": split.rows.paths[item["row"]], "true": labels[item["true"]], "predicted": labels[item["predicted"]],
             "probability": item["probability"]} for item in kept]


_MODEL_HINTS = {
    "text": "Pick a text encoder model such as BERT, RoBERTa or MiniLM.",
    "image": "Pick an image classification model such as ViT, ConvNeXt or ResNet.",
    "audio": "Pick an audio classification model such as Wav2Vec2, HuBERT or AST.",
}


def _extensions(config: dict, task, encoded: dict, user_code: UserCode) -> tuple:
    """training.loss, evaluation.metrics and training.callbacks, built for this task and its training rows."""
    from .extensions import build_callbacks
    from .losses import build_loss
    from .metrics_extra import build_metrics

    loss = build_loss(config["training"]["loss"], task, lambda: encoded["train"]["labels"], user_code)
    metrics = build_metrics(config["evaluation"]["metrics"], task, user_code, list(task.metrics()))
    return loss, metrics, build_callbacks(user_code, config["training"]["callbacks"])


def save_model(model, tokenizer, run_dir: str, weights: dict | None = None) -> str:
    """Writes <run-dir>/model (safetensors, config with labels, and the tokenizer or processor) via a temporary
    folder and a rename."""
    target = os.path.join(run_dir, "model")
    partial = target + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial, state_dict=weights)  # weights: FSDP's gathered ones, else the model's own
    tokenizer.save_pretrained(partial)
    if os.path.isdir(target):
        shutil.rmtree(target)
    os.replace(partial, target)
    return target


def _finish_cancelled(setup: dict, writer: EventWriter, started: float) -> None:
    last = os.path.join(setup["checkpoint_dir"], "last.ckpt")
    writer.finished("cancelled", metrics={}, model_dir=None, duration_s=time.monotonic() - started,
                    details={"checkpoint": last if os.path.isfile(last) else None,
                             "resumable": os.path.isfile(last), **setup.get("world", {})})
