"""`train` for model.task causal_lm: SFT rows → masked token ids → a causal LM (LoRA by default) → adapter or model.

The same stages, events, checkpoints, cancel and resume as the classification path (train.py), with what
differs for text generation: rows come from sft_rows, prompts are masked (sft_encode), the loss is next-token
cross-entropy on the learned tokens, validation reports loss and perplexity plus a few sample answers
(`generations` events), and a LoRA run saves its adapter (peft) beside a record of the base model's weights.
"""

from __future__ import annotations

import json
import os
import shutil
import time

from .cancel import CancelFlag
from .errors import AirlockError
from .events import EventWriter

MONITOR, MODE = "val/loss", "min"
GENERATION_FILE = "airlock_generation.json"
BASE_FILE = "airlock_base.json"


def prepare(config: dict, setup: dict, writer: EventWriter) -> dict:
    """Reads and checks the rows, loads the tokenizer and tokenizes every split with the prompt masked."""
    from transformers import AutoTokenizer

    from .model_limits import use_eos_for_padding
    from .sft_encode import encode_examples
    from .sft_format import settings_for
    from .sft_rows import EXAMPLE, load_sft_tables

    writer.progress("loading_data", "Reading the data", 0.0)
    tables = load_sft_tables(config, setup["base_dirs"],
                             lambda message, fraction: writer.progress("loading_data", message, fraction))
    writer.progress("tokenizing", "Loading the tokenizer", 0.0)
    tokenizer = AutoTokenizer.from_pretrained(setup["model_dir"], local_files_only=True, trust_remote_code=False)
    use_eos_for_padding(tokenizer, setup["model_dir"])
    settings = settings_for(config["data"], tokenizer)
    if settings["chat_template"] == "default":
        writer.progress("tokenizing", "This model has no chat template: using ChatML's (<|im_start|>role ... "
                        "<|im_end|>), which predict uses too", 0.0)
    started = time.monotonic()
    encoded, cut = {}, {}
    splits = [(name, getattr(tables, name)) for name in ("train", "val", "test") if getattr(tables, name) is not None]
    for position, (name, rows) in enumerate(splits):
        def report(message, fraction, position=position):
            writer.progress("tokenizing", message, (position + (fraction or 0.0)) / len(splits))

        encoded[name], cut[name] = encode_examples(rows[EXAMPLE], tokenizer, settings, report)
        if not len(encoded[name]):
            from .model_limits import input_limit

            limit, _ = input_limit(setup["model_dir"])
            room = f"this model reads at most {limit} tokens" if limit else "if the model can read more"
            raise AirlockError("DATASET_EMPTY", f"In every {name} row the answer starts after data.max_length "
                               f"({settings['max_length']} tokens), so cutting the rows there leaves nothing to learn "
                               f"(the longest row has {cut[name]['longest']} tokens).",
                               hint=f"Shorten the prompts, or raise data.max_length ({room}).", field="data.max_length")
    long_rows = sum(part["cut"] for part in cut.values())
    if long_rows:
        writer.progress("tokenizing", f"{long_rows} rows are longer than data.max_length "
                        f"({settings['max_length']} tokens) and are cut at the end"
                        + (f"; {sum(part['dropped'] for part in cut.values())} of them kept nothing to learn and are "
                           "left out" if any(part["dropped"] for part in cut.values()) else ""), 1.0)
    seconds = time.monotonic() - started
    writer.progress("tokenizing", f"Tokenized in {seconds:.1f} s", 1.0)
    samples = _samples(tables.val[EXAMPLE], settings, tokenizer, config["evaluation"]["sample_generations"])
    return {"tokenizer": tokenizer, "encoded": encoded, "settings": settings, "samples": samples,
            "timing": {"tokenize_s": round(seconds, 3)}, "cut": cut}


def _samples(examples: list[dict], settings: dict, tokenizer, count: int) -> list[dict]:
    """The first `count` validation rows as (prompt shown, prompt text the model reads, reference answer)."""
    from .sft_format import generation_prompt, last_answer, prompt_text

    samples = []
    for example in examples[:count]:
        fmt = settings["format"]
        if fmt == "prompt_completion":
            shown = prompt_text(example["prompt"], example.get("input"))
            samples.append({"prompt": shown.rstrip(), "prompt_text": shown, "reference": example["completion"]})
        elif fmt == "chat":
            messages = example["messages"]
            last = last_answer(messages)
            text = generation_prompt(settings, tokenizer, messages[:last])
            # Shown: the question the answer replies to; the model reads the whole rendered conversation.
            asked = next((turn["content"] for turn in reversed(messages[:last]) if turn["role"] == "user"), text)
            samples.append({"prompt": asked, "prompt_text": text, "reference": messages[last]["content"]})
        else:
            words = example["text"].split(" ")
            half = max(1, len(words) // 2)
            shown = " ".join(words[:half])
            samples.append({"prompt": shown, "prompt_text": shown, "reference": " " + " ".join(words[half:])})
    return samples


def fit_and_finish(config: dict, setup: dict, prepared: dict, cancel: CancelFlag, writer: EventWriter,
                   started: float) -> None:
    """Loads the model (LoRA by default), fits, scores validation/test, saves, and emits finished."""
    from .lean_imports import import_lightning

    pl = import_lightning()
    import torch
    from lightning.pytorch.callbacks import EarlyStopping

    from .callback import EventCallback
    from .checkpoints import CheckpointCallback
    from .data import TextDataModule
    from .devices import choose_runtime, loader_workers, training_threads, tune_cuda
    from .lm_model import check_qlora, finetuning_method, load_causal_lm, trainable_counts
    from .lm_module import CausalLMModule, GenerationsCallback
    from .parallel import end_of_run, make_trainer, whole_weights, world_facts
    from .preflight import run_preflight
    from .train import fit
    from .sft_encode import IGNORE_INDEX

    training, tokenizer, encoded = config["training"], prepared["tokenizer"], prepared["encoded"]
    runtime = choose_runtime(training)
    setup["world"] = world_facts(training, runtime)  # for the finished event, cancelled too
    method = finetuning_method(config)
    check_qlora(method, runtime["accelerator"])
    torch.set_num_threads(training_threads(runtime))
    # Before the model loads: a choice that cannot fit the GPU stops here; a CPU run that would take days is told so.
    run_preflight(config, setup, runtime, writer, tokens_per_epoch=sum(encoded["train"]["length"]))
    tune_cuda(torch, runtime)
    pl.seed_everything(training["seed"], workers=True, verbose=False)
    writer.progress("loading_model", f"Loading {os.path.basename(setup['model_dir'])}", 0.5)
    try:
        model = load_causal_lm(setup["model_dir"], setup["weights"], method, config["lora"],
                               gradient_checkpointing=training["gradient_checkpointing"])
    except (ValueError, KeyError) as error:
        raise AirlockError("MODEL_UNSUPPORTED", f"This model cannot be fine-tuned to write text: {error}",
                           hint="Pick a causal language model such as GPT-2, Llama, Mistral, Qwen, Phi or Gemma.",
                           field="model.name") from None
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    trainable, total = trainable_counts(model)
    writer.progress("loading_model", f"Model ready: {trainable:,} of {total:,} weights learn ({method})", 1.0)
    module = CausalLMModule(model, tokenizer, learning_rate=training["learning_rate"],
                            weight_decay=training["weight_decay"], warmup_ratio=training["warmup_ratio"],
                            samples=prepared["samples"], settings=prepared["settings"],
                            max_new_tokens=config["evaluation"]["max_new_tokens"], adapters_only=method != "full")
    datamodule = TextDataModule(
        encoded["train"], encoded["val"], encoded.get("test"), pad_token_id=tokenizer.pad_token_id,
        padding_side="right", batch_size=training["batch_size"], seed=training["seed"],
        pin_memory=runtime["accelerator"] == "cuda", num_workers=loader_workers(runtime), label_fill=IGNORE_INDEX)
    events = EventCallback(writer, {
        "labels": [], "device_name": runtime["device_name"], "resumed_from": setup["resume_from"],
        "train_rows": len(encoded["train"]), "val_rows": len(encoded["val"]),
        "test_rows": len(encoded["test"]) if "test" in encoded else 0, "world": setup["world"]})
    generations = GenerationsCallback(writer)
    checkpoints = CheckpointCallback(setup["checkpoint_dir"], cancel, events.checkpoint_saved, MONITOR, MODE)
    callbacks = [events, generations, checkpoints]
    if setup.get("user_code"):
        from .extensions import build_callbacks

        callbacks.extend(build_callbacks(setup["user_code"], training["callbacks"]))
    if training["early_stopping_patience"]:
        callbacks.append(EarlyStopping(monitor=MONITOR, mode=MODE, patience=training["early_stopping_patience"],
                                       check_on_train_epoch_end=False))
    trainer = make_trainer(pl, config, runtime, callbacks, setup["run_dir"])
    fit(trainer, module, datamodule, setup["resume_from"], cancel)

    best = checkpoints.path("best")
    kept = checkpoints.restore_best(trainer, module, strict=method == "full")
    if kept is not None:
        metrics = dict(kept["metrics"])
        module.generations = kept["reports"].get("generations", module.generations)
    else:
        writer.progress("validating", "Scoring the validation rows", None)
        metrics = dict(trainer.validate(module, datamodule=datamodule, verbose=False)[0])
    if "test" in encoded:
        writer.progress("testing", "Scoring the test rows", None)
        metrics.update(trainer.test(module, datamodule=datamodule, verbose=False)[0])
    train_loss = events.train_loss()
    if train_loss is not None:
        metrics["train/loss"] = train_loss
    model_dir = None
    weights = whole_weights(trainer)  # FSDP: gathered from every rank's shard (a collective: every rank joins)
    if trainer.is_global_zero:
        writer.progress("saving", "Saving the adapter" if method != "full" else "Saving the model", None)
        model_dir = save(module.model, tokenizer, setup, prepared["settings"], config, method, weights)
    world = end_of_run(trainer, training, runtime)
    writer.finished("completed", metrics=metrics, model_dir=model_dir, duration_s=time.monotonic() - started, details={
        "task": "causal_lm", "finetuning": method, "trainable_parameters": trainable, "parameters": total,
        "generations": module.generations, "steps": int(trainer.global_step), "epochs": int(trainer.current_epoch),
        "best_checkpoint": best if os.path.isfile(best) else None, "rows_cut": {k: v["cut"] for k, v in prepared["cut"].items()},
        "rows_left_out": {k: v["dropped"] for k, v in prepared["cut"].items()}, **prepared["timing"],
        "precision": runtime["precision"], "device_name": runtime["device_name"],
        "chat_template": prepared["settings"]["chat_template"], **world})


def save(model, tokenizer, setup: dict, settings: dict, config: dict, method: str, weights: dict | None = None) -> str:
    """<run>/model: the adapter (LoRA) or the whole model, the tokenizer, and how prompts are written; via a
    temporary folder and a rename."""
    from .base_digest import weights_digest

    target = os.path.join(setup["run_dir"], "model")
    partial = target + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial, state_dict=weights)  # weights: FSDP's gathered ones, else the model's own
    tokenizer.save_pretrained(partial)
    # peft's template model card names the base model by its absolute path here; the bundle writes Airlock's own card
    card = os.path.join(partial, "README.md")
    if os.path.isfile(card):
        os.remove(card)
    _write_json(os.path.join(partial, GENERATION_FILE), settings)
    if method != "full":
        name = config["model"]["name"]
        if os.path.isabs(name) or "/" in name or os.sep in name:  # a folder (the app passes the cache folder): its name
            name = os.path.basename(setup["model_dir"])
        _write_json(os.path.join(partial, BASE_FILE), {
            "base_model": name, "base_model_dir_name": os.path.basename(setup["model_dir"]),
            "base_sha256": weights_digest(setup["model_dir"])})
    if os.path.isdir(target):
        shutil.rmtree(target)
    os.replace(partial, target)
    return target


def _write_json(path: str, content: dict) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(content, handle, indent=2, sort_keys=True)
        handle.write("\n")
