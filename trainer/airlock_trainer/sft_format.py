"""How supervised fine-tuning (SFT) rows become the text a causal language model reads, and which of it is learned.

Training and predict both go through this module, so a prompt is written the same way in both. A row becomes
segments: (text, learned) pairs in order. Only learned segments count in the loss (the completion of a
prompt/completion row, the assistant turns of a chat, all of a plain text); prompt tokens are masked.

- prompt_completion: the prompt, then `input` on its own paragraph when the config names an input column, then
  SEPARATOR unless the prompt already ends in white space; the completion follows, then the end-of-text token.
- chat: the model's own chat template (tokenizer.chat_template). A model without one uses DEFAULT_CHAT_TEMPLATE
  (ChatML's markers, with the end-of-text token after each assistant turn so generation stops there) and the run says so.
- text: the whole text, then the end-of-text token (continued pre-training).
"""

from __future__ import annotations

import json
from typing import Any

from .errors import AirlockError

SEPARATOR = "\n"
ROLES = ("system", "user", "assistant")
# ChatML, as many instruct models use it; documented in the README. The end-of-text token ends an assistant turn.
DEFAULT_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "{% if message['role'] == 'assistant' %}{{ eos_token }}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
DEFAULT_TEMPLATE_END = "<|im_end|>"

Segments = list[tuple[str, bool]]


def settings_for(data: dict, tokenizer) -> dict:
    """What predict needs to write prompts as training did (saved as model/airlock_generation.json)."""
    fmt = data["format"]
    template = None
    if fmt == "chat":
        template = "model" if getattr(tokenizer, "chat_template", None) else "default"
    return {"format": fmt, "chat_template": template, "separator": SEPARATOR, "max_length": data["max_length"],
            "input_column": data.get("input_column") is not None}


def prompt_text(prompt: str, extra: str | None = None) -> str:
    """A prompt/completion row's prompt as the model reads it: the prompt, its input paragraph, the separator."""
    text = prompt if not extra else f"{prompt}\n\n{extra}"
    return text if text[-1:].isspace() else text + SEPARATOR


def last_answer(messages: list[dict]) -> int:
    """The position of a conversation's last assistant turn (parse_messages made sure there is one)."""
    return max(index for index, turn in enumerate(messages) if turn["role"] == "assistant")


def _render(tokenizer, messages: list[dict], settings: dict, add_generation_prompt: bool) -> str:
    template = DEFAULT_CHAT_TEMPLATE if settings["chat_template"] == "default" else None
    return tokenizer.apply_chat_template(messages, chat_template=template, tokenize=False,
                                         add_generation_prompt=add_generation_prompt)


def chat_segments(messages: list[dict], tokenizer, settings: dict, row: int) -> Segments:
    """The conversation rendered by the chat template, cut into the text before each assistant answer (not
    learned) and the answer with its end-of-turn markers (learned). Turns after the last answer are left out."""
    segments: Segments = []
    done = ""
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        opened = _render(tokenizer, messages[:index], settings, add_generation_prompt=True) if index else ""
        answered = _render(tokenizer, messages[:index + 1], settings, add_generation_prompt=False)
        if not opened.startswith(done) or not answered.startswith(opened):
            raise AirlockError("MODEL_UNSUPPORTED", f"Row {row}: the model's chat template writes earlier turns "
                               "differently once a later turn is added, so Airlock cannot tell which tokens are the "
                               "assistant's answers.", hint="Use a model whose chat template appends turns, or "
                               "set data.format to prompt_completion.", field="model.name")
        segments.append((opened[len(done):], False))
        segments.append((answered[len(opened):], True))
        done = answered
    return segments


def row_segments(example: dict, tokenizer, settings: dict) -> tuple[Segments, bool]:
    """(segments, end with the end-of-text token) for one normalised row (see sft_rows.py)."""
    fmt = settings["format"]
    if fmt == "prompt_completion":
        return [(prompt_text(example["prompt"], example.get("input")), False), (example["completion"], True)], True
    if fmt == "chat":
        return chat_segments(example["messages"], tokenizer, settings, example["row"]), False
    return [(example["text"], True)], True


def generation_prompt(settings: dict, tokenizer, prompt: Any) -> str:
    """The text a model trained with `settings` is given to answer `prompt` (a string, or for chat models also a
    list of {role, content} turns ending with the user's)."""
    fmt = settings["format"]
    if fmt == "chat":
        messages = prompt if isinstance(prompt, list) else [{"role": "user", "content": prompt}]
        return _render(tokenizer, messages, settings, add_generation_prompt=True)
    if fmt == "prompt_completion":
        return prompt_text(prompt)
    return prompt


def clean_output(settings: dict, text: str) -> str:
    """A generated answer without the default template's end-of-turn marker."""
    if settings.get("chat_template") == "default":
        text = text.split(DEFAULT_TEMPLATE_END, 1)[0]
    return text


def parse_messages(cell: Any, row: int, column: str) -> list[dict]:
    """One chat cell (a list of {role, content}, or a string holding that JSON) checked: CHAT_* errors name the row."""
    value = cell
    if isinstance(cell, str):
        try:
            value = json.loads(cell)
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, list) or not value or not all(isinstance(turn, dict) for turn in value):
        raise AirlockError("CHAT_MESSAGES_INVALID", f"Row {row}: the column '{column}' does not hold a conversation "
                           "(a list of turns such as {\"role\": \"user\", \"content\": \"...\"}).",
                           hint="Each row's messages must be a list of {role, content} objects.", field="data.messages_column")
    messages = []
    for turn in value:
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES:
            raise AirlockError("CHAT_ROLE_UNKNOWN", f"Row {row}: a turn has the role {json.dumps(role)}; Airlock knows "
                               "system, user and assistant.", hint="Rename the role, or remove the turn.",
                               field="data.messages_column")
        if not isinstance(content, str):
            raise AirlockError("CHAT_MESSAGES_INVALID", f"Row {row}: a {role} turn has no text in 'content'.",
                               hint="Give every turn a content string.", field="data.messages_column")
        messages.append({"role": role, "content": content})
    if not any(turn["role"] == "assistant" and turn["content"].strip() for turn in messages):
        raise AirlockError("CHAT_NO_ASSISTANT_TURN", f"Row {row}: the conversation has no assistant turn, so there "
                           "is nothing for the model to learn to answer.", hint="Add the assistant's answer, or "
                           "remove the row.", field="data.messages_column")
    return messages
