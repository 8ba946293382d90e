"""Which tokens the loss learns, checked token by token, for each SFT format and chat template."""

from __future__ import annotations

import pytest
from airlock_trainer.sft_encode import IGNORE_INDEX, encode_example, encode_examples, leading_bos
from airlock_trainer.sft_format import generation_prompt, settings_for
from make_tiny_bpe_models import make_tiny_gpt2, make_tiny_llama


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory):
    from transformers import AutoTokenizer

    llama = make_tiny_llama(str(tmp_path_factory.mktemp("llama")))
    gpt2 = make_tiny_gpt2(str(tmp_path_factory.mktemp("gpt2")), positions=64)
    return {"llama": AutoTokenizer.from_pretrained(llama), "gpt2": AutoTokenizer.from_pretrained(gpt2)}


def settings(tokenizer, fmt: str, max_length: int = 64, **columns) -> dict:
    return settings_for({"format": fmt, "max_length": max_length, **columns}, tokenizer)


def learned_text(tokenizer, ids, labels) -> str:
    return tokenizer.decode([token for token, label in zip(ids, labels) if label != IGNORE_INDEX])


def test_prompt_completion_masks_every_prompt_token(tokenizers):
    tokenizer = tokenizers["gpt2"]  # byte-level: one token per character, so positions are countable
    ids, labels = encode_example({"row": 1, "prompt": "Sum: 2+2", "completion": "4"}, tokenizer,
                                 settings(tokenizer, "prompt_completion"), leading_bos(tokenizer))
    prompt = tokenizer("Sum: 2+2\n", add_special_tokens=False)["input_ids"]
    assert ids == prompt + tokenizer("4", add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    assert labels[:len(prompt)] == [IGNORE_INDEX] * len(prompt)
    assert labels[len(prompt):] == ids[len(prompt):]  # the answer and the end-of-text token are learned


def test_the_input_column_joins_the_prompt_and_stays_masked(tokenizers):
    tokenizer = tokenizers["gpt2"]
    example = {"row": 1, "prompt": "Translate", "input": "chat", "completion": "cat"}
    ids, labels = encode_example(example, tokenizer, settings(tokenizer, "prompt_completion"), [])
    assert tokenizer.decode(ids).startswith("Translate\n\nchat\ncat")
    assert learned_text(tokenizer, ids, labels) == "cat<|endoftext|>"


def test_chat_learns_only_the_assistant_turns_with_the_model_template(tokenizers):
    tokenizer = tokenizers["llama"]
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"},
                {"role": "assistant", "content": "Ciao"}]
    ids, labels = encode_example({"row": 1, "messages": messages}, tokenizer, settings(tokenizer, "chat"), [])
    assert tokenizer.decode(ids) == ("<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello</s>\n"
                                     "<|user|>\nBye</s>\n<|assistant|>\nCiao</s>\n")
    learned = [index for index, label in enumerate(labels) if label != IGNORE_INDEX]
    assert tokenizer.decode([ids[index] for index in learned]) == "Hello</s>\nCiao</s>\n"
    for index, label in enumerate(labels):  # token by token: a learned label is the token itself
        assert label in (IGNORE_INDEX, ids[index])
    # the prompt predict writes for the first answer is exactly the masked text before it
    prompt = generation_prompt(settings(tokenizer, "chat"), tokenizer, messages[:2])
    first = learned[0]
    assert tokenizer.decode(ids[:first]) == prompt


def test_chat_without_a_template_ends_answers_with_the_end_of_text_token(tokenizers):
    tokenizer = tokenizers["gpt2"]
    chat = settings(tokenizer, "chat")
    assert chat["chat_template"] == "default"
    ids, labels = encode_example({"row": 1, "messages": [{"role": "user", "content": "Hi"},
                                                         {"role": "assistant", "content": "Yo"}]}, tokenizer, chat, [])
    assert learned_text(tokenizer, ids, labels) == "Yo<|endoftext|><|im_end|>\n"


def test_text_format_learns_everything(tokenizers):
    tokenizer = tokenizers["llama"]
    ids, labels = encode_example({"row": 1, "text": "pump 4 vibrates"}, tokenizer, settings(tokenizer, "text"), [])
    assert labels == ids and ids[-1] == tokenizer.eos_token_id


def test_long_rows_are_cut_and_rows_with_nothing_left_to_learn_are_dropped(tokenizers):
    tokenizer = tokenizers["gpt2"]
    examples = [{"row": 1, "prompt": "x" * 30, "completion": "y"}, {"row": 2, "prompt": "a", "completion": "b" * 30},
                {"row": 3, "prompt": "short", "completion": "ok"}]
    rows, cut = encode_examples(examples, tokenizer, settings(tokenizer, "prompt_completion", max_length=16), lambda *a: None)
    assert cut == {"cut": 2, "dropped": 1, "longest": 33}
    assert len(rows) == 2 and max(rows["length"]) == 16
