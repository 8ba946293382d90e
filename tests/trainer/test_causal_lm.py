"""Generative fine-tuning (model.task causal_lm) through the real trainer process, on tiny Llama and GPT-2 models."""

from __future__ import annotations

import json
import os
import sys

import pytest
import yaml
from conftest import ROOT, cancel_after_first_step, run_trainer, train_args, write_table
from make_tiny_bpe_models import make_tiny_gpt2, make_tiny_llama

HELD_OUT = (7, 22, 123, 150, 189)


@pytest.fixture(scope="module")
def llama(tmp_path_factory) -> str:
    return make_tiny_llama(str(tmp_path_factory.mktemp("tiny-llama")))


@pytest.fixture(scope="module")
def gpt2(tmp_path_factory) -> str:
    return make_tiny_gpt2(str(tmp_path_factory.mktemp("tiny-gpt2")), positions=128)


def parity(n: int) -> str:
    return "odd" if n % 2 else "even"


def parity_table(folder):
    """'n: 57' → 'odd': the answer hangs on the last digit, so held-out numbers can be answered."""
    rows = [[f"n: {n}", parity(n)] for n in range(200) if n not in HELD_OUT]
    return write_table(folder, ["prompt", "completion"], rows)


def lm_config(path, model: str, data: dict, lora: dict | None = None, **training) -> str:
    config = {"model": {"name": model, "task": "causal_lm"}, "data": {"max_length": 32, **data},
              "training": {"max_epochs": 2, "batch_size": 16, "learning_rate": 1e-2, "seed": 7, **training},
              "evaluation": {"sample_generations": 2, "max_new_tokens": 6}, "lora": lora or {}}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return str(path)


def prompt_completion(train) -> dict:
    return {"format": "prompt_completion", "prompt_column": "prompt", "completion_column": "completion",
            "train_path": str(train)}


def load_trained(model_dir: str, base: str | None = None):
    """(model, tokenizer, generation settings) of a run's model folder, as predict loads it."""
    sys.path.insert(0, str(ROOT / "trainer"))
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    settings = json.loads(open(f"{model_dir}/airlock_generation.json", encoding="utf-8").read())
    if base is None:
        return AutoModelForCausalLM.from_pretrained(model_dir).eval(), tokenizer, settings
    from peft import PeftModel

    return PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), model_dir).eval(), tokenizer, settings


def test_full_finetuning_learns_a_mapping_and_answers_held_out_prompts(tmp_path, llama):
    train = parity_table(tmp_path / "parity")
    config = lm_config(tmp_path / "c.yaml", llama, prompt_completion(train), finetuning="full", max_epochs=12)
    result = run_trainer(*train_args(config, tmp_path / "run"), timeout=300)
    assert result.last["status"] == "completed", result.stderr[-3000:]
    metrics = result.last["metrics"]
    assert metrics["val/loss"] < 0.05 and metrics["val/perplexity"] < 1.06, metrics
    first = result.of_type("epoch")[0]["metrics"]["val/loss"]
    assert first > 10 * metrics["val/loss"]  # it learned, from a model that knew nothing

    from airlock_trainer.generate import generate_text
    from airlock_trainer.sft_format import generation_prompt

    model, tokenizer, settings = load_trained(result.last["model_dir"])
    for n in HELD_OUT:
        prompt = generation_prompt(settings, tokenizer, f"n: {n}")
        assert generate_text(model, tokenizer, settings, prompt, max_new_tokens=6, temperature=0.0) == parity(n)


def test_generations_after_each_epoch_and_in_the_finished_event(tmp_path, llama):
    train = parity_table(tmp_path / "parity")
    result = run_trainer(*train_args(lm_config(tmp_path / "c.yaml", llama, prompt_completion(train)), tmp_path / "run"))
    generations = result.of_type("generations")
    assert [event["epoch"] for event in generations] == [0, 1]
    samples = generations[-1]["samples"]
    assert len(samples) == 2 and all(sample["prompt"].startswith("n: ") for sample in samples)
    assert all(sample["reference"] in ("odd", "even") for sample in samples)
    assert result.last["details"]["generations"] == samples
    assert set(result.last["metrics"]) == {"val/loss", "val/perplexity", "train/loss"}


def test_lora_saves_the_adapter_and_checkpoints_without_the_base(tmp_path, llama):
    from airlock_trainer.base_digest import weights_digest

    train = parity_table(tmp_path / "parity")
    run_dir = tmp_path / "run"
    result = run_trainer(*train_args(lm_config(tmp_path / "c.yaml", llama, prompt_completion(train), max_epochs=3), run_dir))
    assert result.last["status"] == "completed"
    details = result.last["details"]
    assert details["finetuning"] == "lora" and 0 < details["trainable_parameters"] < details["parameters"] / 10
    model_dir = run_dir / "model"
    assert (model_dir / "adapter_model.safetensors").is_file() and not (model_dir / "model.safetensors").exists()
    assert not (model_dir / "README.md").exists()  # peft's template card names local paths
    base = json.loads((model_dir / "airlock_base.json").read_text())
    assert base["base_model"] == os.path.basename(llama) and base["base_sha256"] == weights_digest(llama)
    import torch

    checkpoint = torch.load(run_dir / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=False)
    names = list(checkpoint["state_dict"])
    assert names and all("lora_" in name for name in names), names[:5]
    epochs = [event["metrics"]["val/loss"] for event in result.of_type("epoch")]
    assert epochs[-1] < epochs[0]
    model, tokenizer, settings = load_trained(str(model_dir), base=llama)
    assert settings == {"format": "prompt_completion", "chat_template": None, "separator": "\n", "max_length": 32,
                        "input_column": False}


def test_lora_cancel_and_resume_end_where_an_uninterrupted_run_ends(tmp_path, llama):
    """Bit for bit without dropout (with lora_dropout the resumed run's masks differ; its loss still falls)."""
    from safetensors.torch import load_file

    train = parity_table(tmp_path / "parity")
    data = prompt_completion(train)
    no_dropout = {"lora_dropout": 0.0}
    whole = run_trainer(*train_args(lm_config(tmp_path / "a.yaml", llama, data, no_dropout, batch_size=4), tmp_path / "whole"))
    config = lm_config(tmp_path / "b.yaml", llama, data, no_dropout, batch_size=4)
    cancelled = cancel_after_first_step(config, tmp_path / "cut")
    assert cancelled.last["status"] == "cancelled" and cancelled.last["details"]["resumable"]
    resumed = run_trainer(*train_args(config, tmp_path / "cut", resume=True))
    assert resumed.last["status"] == "completed"
    assert resumed.of_type("step")[0]["step"] > 1
    one = load_file(tmp_path / "whole" / "model" / "adapter_model.safetensors")
    two = load_file(tmp_path / "cut" / "model" / "adapter_model.safetensors")
    assert one.keys() == two.keys()
    for name in one:
        assert (one[name] - two[name]).abs().max().item() < 1e-5, name
    assert resumed.last["metrics"]["val/loss"] == pytest.approx(whole.last["metrics"]["val/loss"], rel=1e-4)


def test_chat_on_a_model_without_a_template_uses_chatml_and_says_so(tmp_path, gpt2):
    rows = [[json.dumps([{"role": "system", "content": "Answer with odd or even."}, {"role": "user", "content": f"n: {n}"},
                         {"role": "assistant", "content": parity(n)}])] for n in range(40)]
    train = write_table(tmp_path / "chat", ["messages"], rows)
    config = lm_config(tmp_path / "c.yaml", gpt2, {"format": "chat", "messages_column": "messages", "train_path": str(train),
                                                      "max_length": 112}, max_epochs=1)
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.last.get("status") == "completed", result.last
    assert any("no chat template" in event["message"] for event in result.of_type("progress"))
    assert result.last["details"]["chat_template"] == "default"
    prompt = result.of_type("generations")[0]["samples"][0]["prompt"]
    assert prompt.startswith("n: ")  # the user's question is shown; the model reads the rendered conversation


@pytest.mark.parametrize("rows, columns, code, row", [
    ([["a", "b"], ["c", "  "]], ["prompt", "completion"], "SFT_COMPLETION_EMPTY", 2),
    ([['[{"role": "user", "content": "hi"}]']], ["messages"], "CHAT_NO_ASSISTANT_TURN", 1),
    ([['[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]'],
      ['[{"role": "human", "content": "hi"}, {"role": "assistant", "content": "yo"}]']], ["messages"], "CHAT_ROLE_UNKNOWN", 2),
    ([["not a conversation"]], ["messages"], "CHAT_MESSAGES_INVALID", 1),
])
def test_bad_rows_are_refused_naming_the_row(tmp_path, llama, rows, columns, code, row):
    train = write_table(tmp_path / "bad", columns, rows)
    data = prompt_completion(train) if "prompt" in columns else {"format": "chat", "messages_column": "messages",
                                                                  "train_path": str(train)}
    result = run_trainer(*train_args(lm_config(tmp_path / "c.yaml", llama, data), tmp_path / "run"))
    assert result.last["type"] == "error" and result.last["code"] == code
    assert f"row {row}" in result.last["message"].lower()


def test_a_missing_column_is_named(tmp_path, llama):
    train = write_table(tmp_path / "t", ["question", "answer"], [["a", "b"]] * 10)
    result = run_trainer(*train_args(lm_config(tmp_path / "c.yaml", llama, prompt_completion(train)), tmp_path / "run"))
    assert result.last["code"] == "SFT_COLUMN_MISSING" and result.last["field"] == "data.prompt_column"
    assert "question, answer" in result.last["message"]


def test_qlora_is_refused_without_cuda(tmp_path, llama):
    train = parity_table(tmp_path / "parity")
    config = lm_config(tmp_path / "c.yaml", llama, prompt_completion(train), finetuning="qlora")
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.last["code"] == "CUDA_UNAVAILABLE" and result.last["field"] == "training.finetuning"


def test_gradient_checkpointing_and_accumulation_train_the_adapters(tmp_path, llama):
    train = parity_table(tmp_path / "parity")
    config = lm_config(tmp_path / "c.yaml", llama, prompt_completion(train), max_epochs=2, gradient_checkpointing=True,
                       accumulate_grad_batches=2)
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.last.get("status") == "completed", result.last
    assert result.of_type("started")[0]["total_steps"] == 2 * 6  # 11 batches an epoch, one step per two (the last alone)
    epochs = [event["metrics"]["val/loss"] for event in result.of_type("epoch")]
    assert epochs[1] < epochs[0]  # the adapters learn through recomputed activations


def test_preview_shows_what_the_model_reads_and_the_answer_it_learns(tmp_path, llama):
    pairs = write_table(tmp_path / "alpaca", ["instruction", "input", "output"], [["Translate", "chat", "cat"], ["Add", "2+2", "4"]])
    config = lm_config(tmp_path / "a.yaml", llama, {"format": "prompt_completion", "prompt_column": "instruction",
                                                     "input_column": "input", "completion_column": "output",
                                                     "train_path": str(pairs)})
    rows = run_trainer("preview-rows", "--config", config, "--rows", "1").of_type("preview_rows")[0]["rows"]
    assert rows == [{"text": "Translate\n\nchat", "preprocessed": "Translate\n\nchat", "label": "cat"}]
    chats = write_table(tmp_path / "chat", ["messages"], [[json.dumps([
        {"role": "system", "content": "Be brief."}, {"role": "user", "content": "n: 3"}, {"role": "assistant", "content": "odd"}])]])
    config = lm_config(tmp_path / "c.yaml", llama, {"format": "chat", "messages_column": "messages", "train_path": str(chats)})
    rows = run_trainer("preview-rows", "--config", config).of_type("preview_rows")[0]["rows"]
    assert rows == [{"text": "system: Be brief.\nuser: n: 3", "preprocessed": "system: Be brief.\nuser: n: 3", "label": "odd"}]
