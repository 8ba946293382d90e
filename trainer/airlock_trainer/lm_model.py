"""Loads a causal language model for fine-tuning: all of its weights, or LoRA adapters beside frozen ones (peft).

training.finetuning auto means LoRA for causal_lm. QLoRA loads the frozen weights in 4 bits through bitsandbytes,
which needs CUDA: elsewhere it is refused before anything loads. The lora section holds peft's LoraConfig
settings; with no target_modules peft picks its defaults for the model's architecture.
"""

from __future__ import annotations

import functools

from .errors import AirlockError


def finetuning_method(config: dict) -> str:
    """full, lora or qlora: what training.finetuning auto means for this task."""
    method = config["training"]["finetuning"]
    if method == "auto":
        return "lora" if config["model"]["task"] == "causal_lm" else "full"
    return method


def check_qlora(method: str, accelerator: str) -> None:
    """QLoRA needs CUDA and bitsandbytes; raises before any model is loaded when either is missing."""
    if method != "qlora":
        return
    if accelerator != "cuda":
        raise AirlockError("CUDA_UNAVAILABLE", "QLoRA keeps the model in 4-bit weights, which only NVIDIA GPUs "
                           "(CUDA) can train, and this run has none.", hint="Set training.finetuning to lora, "
                           "which trains on the CPU too.", field="training.finetuning")
    try:
        import bitsandbytes  # noqa: F401
    except ImportError:
        raise AirlockError("CUDA_UNAVAILABLE", "QLoRA needs the bitsandbytes package, which this runtime does not "
                           "have.", hint="Install the CUDA runtime pack (it includes bitsandbytes), or set "
                           "training.finetuning to lora.", field="training.finetuning") from None


def load_causal_lm(model_dir: str, weights: str, method: str, lora: dict, *, gradient_checkpointing: bool,
                   dtype=None):
    """AutoModelForCausalLM from a local folder, wrapped by peft for lora/qlora, ready to train."""
    from transformers import AutoModelForCausalLM

    extra = {}
    if method == "qlora":
        import torch
        from transformers import BitsAndBytesConfig

        extra["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=dtype or torch.bfloat16)
    load = functools.partial(AutoModelForCausalLM.from_pretrained, model_dir, local_files_only=True,
                             trust_remote_code=False, use_safetensors=weights == "safetensors", **extra)
    try:  # PyTorch's fused attention where the architecture has it
        model = load(attn_implementation="sdpa")
    except (ValueError, ImportError):
        model = load()
    if gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    if method == "full":
        return model
    return add_lora(model, lora, quantized=method == "qlora", gradient_checkpointing=gradient_checkpointing)


def add_lora(model, lora: dict, *, quantized: bool = False, gradient_checkpointing: bool = False,
             task_type: str = "CAUSAL_LM", modules_to_save: list[str] | None = None):
    """The model with LoRA adapters (peft) on lora["target_modules"], or peft's defaults for its architecture."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if quantized:
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=gradient_checkpointing)
    elif gradient_checkpointing:
        model.enable_input_require_grads()  # the frozen embeddings must pass gradients on to the adapters
    settings = LoraConfig(r=lora["r"], lora_alpha=lora["lora_alpha"], lora_dropout=lora["lora_dropout"],
                          target_modules=lora["target_modules"], task_type=task_type,
                          modules_to_save=modules_to_save or None)
    try:
        return get_peft_model(model, settings)
    except ValueError as error:
        raise AirlockError("CONFIG_INVALID", f"LoRA cannot be added to this model: {error}",
                           hint="Set lora.target_modules to names of the model's linear layers (for example q_proj, "
                           "v_proj), or set training.finetuning to full.", field="lora.target_modules") from None


def trainable_counts(model) -> tuple[int, int]:
    """(trainable parameters, all parameters)."""
    trainable = sum(parameter.numel() for parameter in model.parameters() if parameter.requires_grad)
    return trainable, sum(parameter.numel() for parameter in model.parameters())
