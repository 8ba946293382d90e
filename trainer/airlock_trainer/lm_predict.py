"""Answers prompts with a fine-tuned causal LM, written as training wrote them (sft_format.generation_prompt)."""

from __future__ import annotations

import time
from typing import Any, Callable

from .errors import AirlockError
from .generate import generate_text
from .lm_load import load_lm
from .sft_format import generation_prompt

MAX_NEW_TOKENS_LIMIT = 4096


class LmPredictor:
    """A loaded causal LM (LoRA adapter on its cached base, or a full model) and how its prompts are written."""

    def __init__(self, model_dir: str):
        import torch

        self.torch = torch
        self.model, self.tokenizer, self.settings = load_lm(model_dir)

    def generate(self, prompt: Any, *, max_new_tokens: int, temperature: float,
                 on_text: Callable[[str], None] | None = None) -> dict:
        """{"text", "tokens", "duration_s"}: the answer to one prompt; `on_text` receives it piece by piece."""
        if not isinstance(max_new_tokens, int) or not 1 <= max_new_tokens <= MAX_NEW_TOKENS_LIMIT:
            raise AirlockError("INVALID_INPUT", f"max_new_tokens must be a whole number from 1 to {MAX_NEW_TOKENS_LIMIT}.",
                               field="maxNewTokens")
        if not isinstance(temperature, (int, float)) or temperature < 0:
            raise AirlockError("INVALID_INPUT", "temperature must be 0 (the same answer every time) or more.",
                               field="temperature")
        started = time.monotonic()
        text = generation_prompt(self.settings, self.tokenizer, prompt)
        counts: dict = {}
        with self.torch.no_grad():
            answer = generate_text(self.model, self.tokenizer, self.settings, text, max_new_tokens=max_new_tokens,
                                   temperature=float(temperature), on_text=on_text, counts=counts)
        return {"text": answer, "tokens": counts["tokens"], "duration_s": round(time.monotonic() - started, 3)}
