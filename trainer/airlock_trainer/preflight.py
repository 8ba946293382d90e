"""Pre-flight: will the chosen fine-tuning fit the GPU, and how long would it take on the CPU? Read from files only.

Nothing is loaded: the parameter count comes from the safetensors headers (or, without them, from config.json's
sizes), the layer count, hidden size and vocabulary from config.json.

Memory, for P parameters, T of them trained, weights of w bytes (the dtype config.json names, as transformers
loads it; float32 when it names none; 2 for a bf16-true or 16-true run), micro-batch b (training.batch_size;
accumulation adds nothing), length s (data.max_length), L layers, hidden size h, vocabulary V:

    memory = weights + gradients + AdamW states + activations + 1 GiB

- full:  weights P·w, gradients P·w, AdamW 8·P (two fp32 moments per trained parameter, as the brief for
  this estimate asks; torch keeps them in the weights' dtype, so for 16-bit weights this is an upper bound).
- lora:  frozen weights P·w; the adapters, T = r·(in + out) for each adapted matrix of every layer (peft's
  default for most architectures is q and v, two h×h matrices; or one per name in lora.target_modules),
  kept in fp32 by peft: weight, gradient and two moments, 16·T.
- qlora: as lora, but the frozen linear weights are 4-bit NF4 with double-quantised block constants:
  4.127 bits a parameter (Dettmers et al. 2023, "QLoRA", section 3); the embeddings (and an untied output
  layer) stay 16-bit.
- activations: Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models",
  section 4.1) count s·b·h·(34 + 5·a·s/h) bytes of 16-bit activations per layer; PyTorch's fused attention
  (sdpa, which training asks for) keeps no s×s score matrix, leaving 34·s·b·h. With
  training.gradient_checkpointing only each layer's input is kept (2·s·b·h per layer) and one layer is
  recomputed at a time (34·s·b·h once). Doubled for 32-bit runs (32-true). A causal LM's loss also
  holds the b·s·V logits in fp32 and their gradient: 8·b·s·V.
- 1 GiB for the CUDA context, kernels and the allocator's slack.

These are rules of thumb, good to about ±20 %: enough to refuse a run that cannot fit, not to promise one will.

CPU time: a training step costs about 6·P FLOPs per token for full fine-tuning (forward 2·P, backward 4·P:
Kaplan et al. 2020, "Scaling Laws for Neural Language Models", section 2.1) and about 4·P with LoRA (the
frozen weights need no weight gradient, so the backward pass is about half). The CPU's rate is measured with
a float32 matmul of about 0.2 s, and training is assumed to reach half of it (attention, element-wise work
and the optimizer step do not run at matmul speed).
"""

from __future__ import annotations

import json
import math
import os
import time

from .devices import memory_bytes
from .errors import AirlockError
from .inspect import count_parameters
from .lm_model import finetuning_method

GIB = 1024 ** 3
OVERHEAD_BYTES = GIB
WARN_HOURS = 3.0
CPU_EFFICIENCY = 0.5
DEFAULT_LORA_MATRICES = 2
QLORA_BITS = 4.127
_DTYPE_BYTES = {"float32": 4, "float": 4, "float16": 2, "half": 2, "bfloat16": 2, "float64": 8}
METHOD_NAMES = {"full": "Full fine-tuning", "lora": "LoRA", "qlora": "QLoRA"}


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def _first(config: dict, *keys: str):
    for key in keys:
        value = config.get(key)
        if isinstance(value, int) and value > 0:
            return value
    return None


def model_facts(model_dir: str) -> dict:
    """Sizes that decide memory and time: parameters, layers, hidden size, heads, vocabulary, weight bytes."""
    config = _read_json(os.path.join(model_dir, "config.json"))
    text = config.get("text_config") if isinstance(config.get("text_config"), dict) else config
    hidden = _first(text, "hidden_size", "n_embd", "d_model", "dim")
    layers = _first(text, "num_hidden_layers", "n_layer", "num_layers", "n_layers")
    heads = _first(text, "num_attention_heads", "n_head", "num_heads") or 1
    facts = {
        "hidden_size": hidden, "layers": layers, "heads": heads,
        "kv_heads": _first(text, "num_key_value_heads") or heads,
        "intermediate_size": _first(text, "intermediate_size", "n_inner", "ffn_dim") or (4 * hidden if hidden else None),
        "vocab_size": _first(text, "vocab_size") or 0,
        "tied_embeddings": bool(text.get("tie_word_embeddings", config.get("tie_word_embeddings", True))),
        "weight_bytes": _DTYPE_BYTES.get(str(config.get("dtype") or config.get("torch_dtype") or "float32"), 4),
    }
    parameters = count_parameters(model_dir)
    facts["parameters_from"] = "safetensors" if parameters is not None else "config.json"
    facts["parameters"] = parameters if parameters is not None else parameters_from_config(facts)
    return facts


def parameters_from_config(facts: dict) -> int:
    """A decoder's parameter count from its sizes: embeddings (and an untied output layer) plus, per layer,
    attention (q and o: h×h each; k and v: h×kv each, fewer with grouped-query attention) and a gated MLP
    (three h×i matrices; GPT-2 style models have two of 4h, which is close)."""
    hidden, layers = facts["hidden_size"], facts["layers"]
    if not hidden or not layers:
        raise AirlockError("MODEL_CONFIG_INVALID", "config.json names neither the hidden size nor the layer count, "
                           "and there are no safetensors weights to count, so the model's size is unknown.",
                           hint="Copy the model's config.json and model.safetensors into the folder.", field="model.name")
    kv = hidden * facts["kv_heads"] // facts["heads"]
    per_layer = 2 * hidden * hidden + 2 * hidden * kv + 3 * hidden * facts["intermediate_size"]
    embeddings = facts["vocab_size"] * hidden * (1 if facts["tied_embeddings"] else 2)
    return layers * per_layer + embeddings


def lora_parameters(facts: dict, lora: dict) -> int:
    """Adapter weights: r·(in + out) per adapted matrix, each taken as h×h, in every layer."""
    hidden, layers = facts["hidden_size"] or 0, facts["layers"] or 0
    matrices = len(lora["target_modules"]) if lora.get("target_modules") else DEFAULT_LORA_MATRICES
    return layers * matrices * lora["r"] * 2 * hidden


def activation_bytes(facts: dict, batch: int, length: int, *, checkpointing: bool, bytes_per_value: int,
                     logits: bool) -> int:
    """Activations kept for the backward pass (Korthikanti et al. 2022 without the score matrix; see the module doc)."""
    hidden, layers = facts["hidden_size"] or 0, facts["layers"] or 0
    scale = bytes_per_value / 2
    per_layer = 34 * length * batch * hidden * scale
    kept = (2 * length * batch * hidden * scale * layers + per_layer) if checkpointing else per_layer * layers
    return int(kept + (8 * batch * length * facts["vocab_size"] if logits else 0))


def _run_bytes(precision: str) -> tuple[int | None, int]:
    """(weight bytes the precision forces, or None to keep the checkpoint's; activation bytes)."""
    if precision in ("bf16-true", "16-true"):
        return 2, 2
    if precision in ("32-true", "32", "64-true"):
        return None, 4
    return None, 2


def estimate_memory(config: dict, facts: dict, precision: str) -> dict:
    """Bytes each method needs at the config's batch size and max_length: {full, lora, qlora}."""
    training, parameters = config["training"], facts["parameters"]
    forced, activation_value = _run_bytes(precision)
    weight = forced or facts["weight_bytes"]
    activations = activation_bytes(facts, training["batch_size"], config["data"]["max_length"],
                                   checkpointing=bool(training.get("gradient_checkpointing")),
                                   bytes_per_value=activation_value, logits=config["model"]["task"] == "causal_lm")
    adapters = 16 * lora_parameters(facts, config.get("lora") or {"r": 8, "target_modules": None})
    embeddings = facts["vocab_size"] * (facts["hidden_size"] or 0) * (1 if facts["tied_embeddings"] else 2)
    quantized = max(0, parameters - embeddings) * QLORA_BITS / 8 + embeddings * 2
    return {
        "full": int(parameters * weight * 2 + 8 * parameters + activations + OVERHEAD_BYTES),
        "lora": int(parameters * weight + adapters + activations + OVERHEAD_BYTES),
        "qlora": int(quantized + adapters + activations + OVERHEAD_BYTES),
    }


def measure_cpu_flops(seconds: float = 0.2) -> float:
    """float32 FLOP/s of this CPU with torch's current threads: square matmuls for about `seconds`."""
    import torch

    size = 512
    left, right = torch.randn(size, size), torch.randn(size, size)
    torch.mm(left, right)  # the first call sets up the kernels
    count, started = 0, time.perf_counter()
    while True:
        torch.mm(left, right)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= seconds:
            return 2 * size ** 3 * count / elapsed


def training_tokens(config: dict, tokens_per_epoch: int) -> int:
    """Tokens the run will train on: epochs over the data, or fewer when training.max_steps stops it first."""
    training = config["training"]
    total = tokens_per_epoch * training["max_epochs"]
    if training.get("max_steps"):
        per_step = training["batch_size"] * training.get("accumulate_grad_batches", 1) * config["data"]["max_length"]
        total = min(total, training["max_steps"] * per_step)
    return total


def estimate_hours(method: str, parameters: int, tokens: int, flops_per_second: float) -> float:
    """Training time on the CPU: 6 (full) or 4 (LoRA, QLoRA) FLOPs per parameter per token."""
    per_token = 6 if method == "full" else 4
    return per_token * parameters * tokens / (flops_per_second * CPU_EFFICIENCY) / 3600


def _gib(count: int) -> str:
    return f"{count / GIB:.1f} GiB"


def _size(parameters: int) -> str:
    if parameters >= 1e9:
        return f"{parameters / 1e9:.1f}B"
    return f"{parameters / 1e6:.0f}M" if parameters >= 1e6 else f"{parameters:,}"


def largest_batch(config: dict, facts: dict, precision: str, method: str, memory: int) -> int:
    """The largest batch_size whose estimate for `method` fits in `memory` bytes (0 when not even 1 does)."""
    low, high = 0, config["training"]["batch_size"]
    while low < high:
        middle = (low + high + 1) // 2
        trial = {**config, "training": {**config["training"], "batch_size": middle}}
        if estimate_memory(trial, facts, precision)[method] <= memory:
            low = middle
        else:
            high = middle - 1
    return low


def _alternatives(config: dict, facts: dict, precision: str, method: str, estimates: dict, memory: int) -> list[str]:
    """What would fit instead: another method, a smaller batch, or gradient checkpointing."""
    options = []
    for other in ("lora", "qlora", "full"):
        if other != method and estimates[other] <= memory:
            options.append(f"{METHOD_NAMES[other]} would need {_gib(estimates[other])}: set training.finetuning to {other}.")
    batch = largest_batch(config, facts, precision, method, memory)
    if batch >= 1:
        options.append(f"{METHOD_NAMES[method]} with batch_size {batch} would need "
                       f"{_gib(estimate_memory({**config, 'training': {**config['training'], 'batch_size': batch}}, facts, precision)[method])}"
                       " (raise training.accumulate_grad_batches to keep the same effective batch).")
    if not config["training"].get("gradient_checkpointing"):
        checkpointed = {**config, "training": {**config["training"], "gradient_checkpointing": True}}
        need = estimate_memory(checkpointed, facts, precision)[method]
        if need <= memory:
            options.append(f"With training.gradient_checkpointing it would need {_gib(need)}.")
    return options


def check(config: dict, model_dir: str, runtime: dict, *, tokens_per_epoch: int | None = None,
          flops_per_second: float | None = None) -> dict:
    """The payload of a preflight event; on a GPU, fits false means the run must be refused (run_preflight does).

    `runtime` is devices.choose_runtime's answer; `memory_bytes` in it, when present, is the GPU memory
    (otherwise the smallest of the GPUs used). On the CPU, `tokens_per_epoch` (default: training rows ×
    max_length) and the measured FLOP rate give the estimated hours.
    """
    facts = model_facts(model_dir)
    method = finetuning_method(config)
    estimates = estimate_memory(config, facts, runtime["precision"])
    need, batch, length = estimates[method], config["training"]["batch_size"], config["data"]["max_length"]
    what = f"{METHOD_NAMES[method]} of this {_size(facts['parameters'])}-parameter model"
    at = f"at batch_size {batch} and max_length {length}"
    result = {"method": method, "estimates": estimates, "device_memory_bytes": None, "fits": True,
              "estimated_hours": None, "warning": False, "message": ""}
    if runtime["accelerator"] == "cuda":
        memory = gpu_memory(runtime)
        fits = need <= memory
        result.update(device_memory_bytes=memory, fits=fits)
        where = f"the {_gib(memory)} of {runtime['device_name']}"
        if fits:
            result["message"] = f"{what} needs about {_gib(need)} {at}, within {where}."
            return result
        options = _alternatives(config, facts, runtime["precision"], method, estimates, memory)
        result.update(warning=True, message=f"{what} needs about {_gib(need)} {at}, more than {where}. "
                      + (" ".join(options) if options else "No fine-tuning method fits this GPU at this length: lower "
                                                 "data.max_length, or train on a larger GPU."))
        return result
    memory = memory_bytes()
    result.update(device_memory_bytes=memory, fits=memory is None or need <= memory)
    tokens = training_tokens(config, tokens_per_epoch if tokens_per_epoch is not None else train_rows(config) * length)
    hours = estimate_hours(method, facts["parameters"], tokens, flops_per_second or measure_cpu_flops())
    result["estimated_hours"] = round(hours, 2)
    message = f"{what} on the CPU: {'' if hours * 60 <= 1 else 'about '}{_duration(hours)} for {tokens:,} tokens {at}, needing about {_gib(need)}"
    message += f" of {_gib(memory)} memory." if memory else "."
    if hours > WARN_HOURS:
        result["warning"] = True
        message += (" That is too long to wait for: train on a GPU, pick a smaller model, or lower max_epochs, "
                    "max_steps or max_length.")
    if not result["fits"]:
        result["warning"] = True
        message += " That is more than this machine's memory: it would swap or be stopped."
    result["message"] = message
    return result


def _duration(hours: float) -> str:
    if hours >= 48:
        return f"{hours / 24:.0f} days"
    if hours >= 1:
        return f"{hours:.1f} hours"
    minutes = math.ceil(hours * 60)
    return "under a minute" if minutes <= 1 else f"{minutes} minutes"


def gpu_memory(runtime: dict) -> int:
    """Memory of the smallest GPU the run uses (runtime memory_bytes when given)."""
    if runtime.get("memory_bytes"):
        return int(runtime["memory_bytes"])
    import torch

    return min(int(torch.cuda.get_device_properties(index).total_memory) for index in range(runtime["devices"]))


def train_rows(config: dict, base_dirs: list[str] | None = None) -> int:
    """Training rows from the table's schema (no rows are read): all of them less the validation share."""
    from .dataset import resolve_data_path
    from .table import read_table

    data = config["data"]
    table = read_table(resolve_data_path(data["train_path"], "data.train_path", base_dirs or [os.getcwd()]),
                       "data.train_path")
    rows = int(table.schema.get("rows") or 0)
    return rows if data.get("val_path") else int(rows * (1 - data["val_split"]))


def run_preflight(config: dict, setup: dict, runtime: dict, writer, tokens_per_epoch: int | None = None) -> dict:
    """Emits the preflight event; raises MODEL_TOO_LARGE_FOR_GPU after it when the run cannot fit its GPU.

    `setup` is train's checked inputs (model_dir, base_dirs); `tokens_per_epoch`, when the data is already
    tokenized, is its real token count (otherwise training rows × max_length, an upper bound).
    """
    if tokens_per_epoch is None and runtime["accelerator"] != "cuda":
        tokens_per_epoch = train_rows(config, setup.get("base_dirs")) * config["data"]["max_length"]
    result = check(config, setup["model_dir"], runtime, tokens_per_epoch=tokens_per_epoch)
    writer.emit("preflight", **result)
    if not result["fits"] and runtime["accelerator"] == "cuda":
        raise AirlockError("MODEL_TOO_LARGE_FOR_GPU", result["message"], field="training.finetuning",
                           hint="Choose a method or batch size the message says would fit, or train on a larger GPU.")
    return result


def preflight_command(config_path: str, writer) -> dict:
    """`preflight <config.yaml>`: the estimate for a config on this machine, alone (as train would run it)."""
    import torch

    from .config import load_config
    from .devices import choose_runtime, cpu_threads
    from .offline import resolve_model_dir

    config = load_config(config_path)
    base_dirs = [os.getcwd(), os.path.dirname(os.path.abspath(config_path))]
    setup = {"model_dir": resolve_model_dir(config["model"]["name"], base_dirs), "base_dirs": base_dirs}
    torch.set_num_threads(cpu_threads())
    return run_preflight(config, setup, choose_runtime(config["training"]), writer)
