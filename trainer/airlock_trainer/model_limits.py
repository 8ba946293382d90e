"""What a model folder allows: the input length it can really use, and how its batches are padded.

Both are read from the folder's small JSON files, by the same rules as the app's model inspection
(electron/services/models/limits.ts), so `airlock models inspect`, `airlock config` and the trainer agree.
Training then applies them to the real tokenizer and model (`use_eos_for_padding`).
"""

from __future__ import annotations

import json
import logging
import os

from .errors import AirlockError
from .offline import has_tokenizer, resolve_model_dir

log = logging.getLogger("airlock_trainer")

# Models whose position ids start after padding_idx (RoBERTa's create_position_ids_from_input_ids): their
# config lists padding_idx + 1 more positions than an input can use (RoBERTa: 514 listed, 512 usable).
OFFSET_POSITION_TYPES = frozenset({
    "roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "longformer", "mpnet", "data2vec-text",
    "roberta-prelayernorm", "ibert", "luke", "markuplm", "xmod"})
POSITION_KEYS = ("max_position_embeddings", "n_positions", "max_seq_len")
# transformers writes a huge number (1e30) as model_max_length when a tokenizer states no limit.
SANE_MODEL_MAX_LENGTH = 1_000_000
# Tokenizer classes fall back to these when their files declare none (BERT's [PAD], RoBERTa's <pad>, GPT-2's EOS).
USUAL_PAD_TOKENS = ("[PAD]", "<pad>", "<|pad|>", "<|padding|>")
USUAL_EOS_TOKENS = ("<|endoftext|>", "</s>", "<eos>", "<|eos|>", "<|end_of_text|>")


def _read_json(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _whole_number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def input_limit(model_dir: str, config: dict | None = None) -> tuple[int | None, str]:
    """The most tokens one input may have, and where that number comes from (for messages); None when unknown."""
    config = _read_json(os.path.join(model_dir, "config.json")) if config is None else config
    limit, source = None, ""
    for key in POSITION_KEYS:
        positions = _whole_number(config.get(key))
        if positions is None:
            continue
        limit, source = positions, f"{key} {positions} in config.json"
        if config.get("model_type") in OFFSET_POSITION_TYPES:
            reserved = (_whole_number(config.get("pad_token_id")) or 1) + 1
            limit = positions - reserved
            source += f", less the {reserved} that {config['model_type']} models reserve for padding"
        break
    tokenizer_limit = _whole_number(_read_json(os.path.join(model_dir, "tokenizer_config.json")).get("model_max_length"))
    if tokenizer_limit is not None and tokenizer_limit <= SANE_MODEL_MAX_LENGTH and (limit is None or tokenizer_limit < limit):
        limit, source = tokenizer_limit, f"model_max_length {tokenizer_limit} in tokenizer_config.json"
    return limit, source


def _token_text(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else None


def _declared(model_dir: str, key: str) -> tuple[bool, str | None]:
    """Whether tokenizer_config.json or special_tokens_map.json names `key` (even as null), and its text."""
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        settings = _read_json(os.path.join(model_dir, name))
        if key in settings:
            return True, _token_text(settings[key])
    return False, None


def _vocabulary(model_dir: str) -> set[str]:
    tokens: set[str] = set()
    tokenizer = _read_json(os.path.join(model_dir, "tokenizer.json"))
    vocab = (tokenizer.get("model") or {}).get("vocab")
    if isinstance(vocab, dict):
        tokens.update(vocab)
    elif isinstance(vocab, list):  # Unigram: [piece, score] pairs
        tokens.update(entry[0] for entry in vocab if isinstance(entry, list) and entry and isinstance(entry[0], str))
    tokens.update(_token_text(entry) or "" for entry in tokenizer.get("added_tokens") or [])
    tokens.update(_read_json(os.path.join(model_dir, "vocab.json")))
    try:
        with open(os.path.join(model_dir, "vocab.txt"), encoding="utf-8") as handle:
            tokens.update(line.rstrip("\n") for line in handle)
    except OSError:
        pass
    return tokens


def _token(model_dir: str, key: str, usual: tuple[str, ...], vocabulary: set[str]) -> str | None:
    declared, text = _declared(model_dir, key)
    if declared:
        return text
    return next((token for token in usual if token in vocabulary), None)


def padding(model_dir: str) -> dict:
    """How batches will be padded: `pad_token` (its own), `eos_token` (none, so EOS is used), `none`; None without a tokenizer."""
    if not has_tokenizer(model_dir):
        return {"padding": None, "pad_token": None}
    vocabulary = _vocabulary(model_dir)
    pad = _token(model_dir, "pad_token", USUAL_PAD_TOKENS, vocabulary)
    if pad is not None:
        return {"padding": "pad_token", "pad_token": pad}
    eos = _token(model_dir, "eos_token", USUAL_EOS_TOKENS, vocabulary)
    return {"padding": "eos_token" if eos else "none", "pad_token": eos}


def use_eos_for_padding(tokenizer, model_dir: str) -> bool:
    """Gives a tokenizer without a padding token its end-of-text token as one (GPT-2 style decoders); True if it did.

    Sequence classification pads every batch, and a decoder's classifier finds each row's last real
    token through pad_token_id, so the same id must go into the model's config (`pad_model_config`).
    """
    if tokenizer.pad_token is not None:
        return False
    if tokenizer.eos_token is None:
        raise AirlockError("MODEL_UNSUPPORTED", f"The tokenizer in {model_dir} has neither a padding token nor an "
                           "end-of-text token, so texts of different lengths cannot be batched.",
                           hint="Add a pad_token to the model's tokenizer_config.json, or pick another model.",
                           field="model.name")
    tokenizer.pad_token = tokenizer.eos_token
    log.info("The tokenizer has no padding token; padding with its end-of-text token %r", tokenizer.eos_token)
    return True


def pad_model_config(model, tokenizer) -> None:
    """Points the model's pad_token_id at the tokenizer's when it has none or pads with EOS; saved with the model.

    A decoder's head must look for the very id the batches are padded with. An encoder's own pad_token_id
    is left alone: it was its embeddings' padding_idx when built (RoBERTa counts positions from it).
    """
    if model.config.pad_token_id is None or tokenizer.pad_token == tokenizer.eos_token:
        model.config.pad_token_id = tokenizer.pad_token_id


def check_max_length(config: dict, model_dir: str) -> None:
    """Refuses a data.max_length longer than the model can read (CONFIG_INVALID naming the field and the limit)."""
    wanted = config["data"]["max_length"]
    limit, source = input_limit(model_dir)
    if limit is None or wanted <= limit:
        return
    detail = f"data.max_length: must be <= {limit}, the most this model can read (got {wanted})"
    raise AirlockError("CONFIG_INVALID", f"data.max_length is {wanted} tokens, but the model "
                       f"{os.path.basename(model_dir)} can read at most {limit} ({source}).",
                       hint=f"Set data.max_length to {limit} or less; longer texts are cut to that length.",
                       field="data.max_length", details=[detail])


_READS = {"text": "text", "image": "pictures", "audio": "sound", "unknown": "an input Airlock cannot tell"}


def check_modality(model_dir: str, data_kind: str) -> None:
    """Refuses a model that reads another kind of input than the dataset holds (MODEL_MODALITY_MISMATCH)."""
    from .inspect import model_modality

    model_kind = model_modality(model_dir)
    if model_kind == data_kind:
        return
    raise AirlockError("MODEL_MODALITY_MISMATCH", f"The model {os.path.basename(model_dir)} reads {_READS[model_kind]}, "
                       f"but the dataset holds {_READS[data_kind]}.",
                       hint=f"Pick a{'n' if data_kind in ('image', 'audio') else ''} {data_kind} model from the model "
                            "cache (`airlock models` shows each model's modality).", field="model.name")


def check_config_model(config: dict, config_path: str) -> None:
    """validate-config's model checks, when model.name is a folder found here (else `train` reports it missing)."""
    try:
        model_dir = resolve_model_dir(config["model"]["name"], [os.getcwd(), os.path.dirname(os.path.abspath(config_path))])
    except AirlockError:
        return
    if os.path.isfile(os.path.join(model_dir, "config.json")):
        check_max_length(config, model_dir)
