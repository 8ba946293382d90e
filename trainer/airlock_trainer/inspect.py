"""Describes a model folder from its files (config.json, safetensors headers) without loading weights."""

from __future__ import annotations

import json
import os
import struct

from .errors import AirlockError
from .model_limits import input_limit, padding
from .offline import has_tokenizer, weights_format

TEXT_TYPES_HINT = ("ForSequenceClassification", "ForTokenClassification", "ForQuestionAnswering")


def _read_json(path: str) -> dict | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _safetensors_files(model_dir: str) -> list[str]:
    index = _read_json(os.path.join(model_dir, "model.safetensors.index.json"))
    if index and isinstance(index.get("weight_map"), dict):
        return sorted({os.path.join(model_dir, name) for name in index["weight_map"].values()})
    single = os.path.join(model_dir, "model.safetensors")
    return [single] if os.path.isfile(single) else []


def count_parameters(model_dir: str) -> int | None:
    """Sums tensor sizes from the safetensors headers (8-byte length + JSON); None without safetensors."""
    files = _safetensors_files(model_dir)
    if not files:
        return None
    total = 0
    for path in files:
        with open(path, "rb") as handle:
            (length,) = struct.unpack("<Q", handle.read(8))
            header = json.loads(handle.read(length))
        for name, tensor in header.items():
            if name == "__metadata__":
                continue
            size = 1
            for dim in tensor["shape"]:
                size *= dim
            total += size
    return total


def is_causal_lm(architectures: list) -> bool:
    """A text generator (AutoModelForCausalLM): an architecture ending in ForCausalLM or LMHeadModel (GPT-2's)."""
    return any(isinstance(name, str) and name.endswith(("ForCausalLM", "LMHeadModel")) for name in architectures)


def has_chat_template(model_dir: str) -> bool:
    """tokenizer_config.json holds a chat_template (a string, or a list of named ones) or chat_template.jinja exists."""
    if os.path.isfile(os.path.join(model_dir, "chat_template.jinja")):
        return True
    template = (_read_json(os.path.join(model_dir, "tokenizer_config.json")) or {}).get("chat_template")
    return bool(template.strip()) if isinstance(template, str) else isinstance(template, list) and len(template) > 0


def model_modality(model_dir: str) -> str:
    """text, image, audio or unknown: what a model folder's processor files say it reads."""
    return _modality(model_dir, _read_json(os.path.join(model_dir, "config.json")) or {})


def _modality(model_dir: str, config: dict) -> str:
    if has_tokenizer(model_dir):
        return "text"
    processor = _read_json(os.path.join(model_dir, "preprocessor_config.json")) or {}
    if "image_processor_type" in processor or "image_mean" in processor:
        return "image"
    if "feature_extractor_type" in processor or "sampling_rate" in processor:
        return "audio"
    return "text" if "vocab_size" in config else "unknown"


def model_info(model_dir: str) -> dict:
    """The payload of a model_info event."""
    if not os.path.isdir(model_dir):
        raise AirlockError("MODEL_NOT_FOUND", f"The model folder {model_dir} does not exist.",
                           hint="Check the folder path.")
    config_path = os.path.join(model_dir, "config.json")
    if not os.path.isfile(config_path):
        raise AirlockError("MODEL_CONFIG_MISSING", f"The model folder {model_dir} has no config.json.",
                           hint="Copy the model's config.json into the folder.")
    config = _read_json(config_path)
    if not isinstance(config, dict):
        raise AirlockError("MODEL_CONFIG_INVALID", f"{config_path} is not valid JSON.",
                           hint="Copy a complete config.json from the model's source.")
    architectures = config.get("architectures") or []
    architecture = architectures[0] if architectures else None
    tokenizer_config = _read_json(os.path.join(model_dir, "tokenizer_config.json")) or {}
    sentence_config = _read_json(os.path.join(model_dir, "sentence_bert_config.json")) or {}
    id2label = config.get("id2label") if architecture and "ForSequenceClassification" in architecture else None
    return {
        "path": os.path.abspath(model_dir),
        "architecture": architecture,
        "architectures": architectures,
        "model_type": config.get("model_type"),
        "modality": _modality(model_dir, config),
        "parameters": count_parameters(model_dir),
        "weights_format": weights_format(model_dir),
        "has_tokenizer": has_tokenizer(model_dir),
        "tokenizer_class": tokenizer_config.get("tokenizer_class"),
        "max_positions": config.get("max_position_embeddings") or config.get("n_positions"),
        "max_input_tokens": input_limit(model_dir, config)[0],
        **padding(model_dir),
        "max_seq_length": sentence_config.get("max_seq_length"),
        "hidden_size": config.get("hidden_size") or config.get("dim") or config.get("d_model"),
        "num_layers": config.get("num_hidden_layers") or config.get("n_layers"),
        "vocab_size": config.get("vocab_size"),
        "causal_lm": is_causal_lm(architectures),
        "chat_template": has_tokenizer(model_dir) and has_chat_template(model_dir),
        "needs_classification_head": not (architecture and architecture.endswith("ForSequenceClassification")),
        "labels": [id2label[key] for key in sorted(id2label, key=int)] if isinstance(id2label, dict) else None,
        "size_bytes": sum(os.path.getsize(os.path.join(model_dir, name)) for name in os.listdir(model_dir)
                          if os.path.isfile(os.path.join(model_dir, name))),
    }
