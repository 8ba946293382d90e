"""Text generation from a fine-tuned causal LM, with the prompt encoded exactly as training encoded it."""

from __future__ import annotations

from typing import Callable

from .model_limits import POSITION_KEYS
from .sft_encode import leading_bos
from .sft_format import clean_output


def prompt_ids(tokenizer, prompt_text: str) -> list[int]:
    """The prompt's token ids as sft_encode wrote a row's prompt segment (bos, then the text without specials)."""
    return leading_bos(tokenizer) + tokenizer(prompt_text, add_special_tokens=False)["input_ids"]


def generate_text(model, tokenizer, settings: dict, prompt_text: str, *, max_new_tokens: int, temperature: float,
                  on_text: Callable[[str], None] | None = None, counts: dict | None = None) -> str:
    """The model's answer to `prompt_text` (already in the training format: sft_format.generation_prompt).

    temperature 0 decodes greedily (the same answer every time); above 0 it samples. `on_text` receives the
    answer piece by piece as tokens are decoded (transformers' TextStreamer contract), for streaming; `counts`, when
    given, receives "tokens": how many tokens the answer has.
    """
    import torch

    device = next(model.parameters()).device
    prompt = prompt_ids(tokenizer, prompt_text)
    limit = context_length(model)
    if limit is not None:  # the answer must fit the model's positions: keep the prompt's end, then cap the answer
        prompt = prompt[-max(1, limit - 1):]
        max_new_tokens = max(1, min(max_new_tokens, limit - len(prompt)))
    ids = torch.tensor([prompt], device=device)
    streamer = _Streamer(tokenizer, on_text) if on_text else None
    options = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    output = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new_tokens,
                            pad_token_id=pad, eos_token_id=tokenizer.eos_token_id, streamer=streamer,
                            **options, **({"top_p": None, "top_k": None} if temperature <= 0 else {}))
    new = output[0, ids.shape[1]:]
    if counts is not None:  # tokens the model wrote, its end-of-text token and any padding after it left out
        stops = {token for token in (tokenizer.eos_token_id, pad) if token is not None}
        counts["tokens"] = next((index for index, token in enumerate(new.tolist()) if token in stops), len(new))
    answer = tokenizer.decode(new, skip_special_tokens=True)
    return clean_output(settings, answer)


def context_length(model) -> int | None:
    """The most positions the model has (the config keys input_limit reads); None when unknown."""
    config = model.config
    for key in POSITION_KEYS:
        value = getattr(config, key, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


class _Streamer:
    """A transformers streamer that hands decoded text on as it grows (never a split multi-byte character)."""

    def __init__(self, tokenizer, on_text: Callable[[str], None]):
        self.tokenizer, self.on_text = tokenizer, on_text
        self.ids: list[int] = []
        self.sent = 0
        self.prompt_seen = False

    def put(self, value) -> None:
        if not self.prompt_seen:  # generate() hands over the prompt first
            self.prompt_seen = True
            return
        self.ids.extend(value.reshape(-1).tolist())
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if text.endswith("\ufffd"):
            return
        if len(text) > self.sent:
            self.on_text(text[self.sent:])
            self.sent = len(text)

    def end(self) -> None:
        text = self.tokenizer.decode(self.ids, skip_special_tokens=True)
        if len(text) > self.sent:
            self.on_text(text[self.sent:])
            self.sent = len(text)
