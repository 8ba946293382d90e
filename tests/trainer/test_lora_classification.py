"""LoRA serves classification too: a decoder (Llama) with a sequence-classification head, adapters merged on save."""

from __future__ import annotations

import json

from conftest import run_trainer, train_args, write_config, write_dataset
from make_tiny_bpe_models import make_tiny_llama


def test_a_llama_classifier_trains_with_lora_and_saves_plain_weights(tmp_path):
    llama = make_tiny_llama(str(tmp_path / "llama"))
    train = write_dataset(tmp_path / "train", 240, seed=3)
    config = write_config(tmp_path / "c.yaml", llama, train,
                          training={"max_epochs": 4, "batch_size": 16, "learning_rate": 5e-3, "finetuning": "lora",
                                    "accumulate_grad_batches": 2},
                          lora={"r": 8, "lora_alpha": 16, "lora_dropout": 0.0, "target_modules": None})
    result = run_trainer(*train_args(config, tmp_path / "run"), timeout=300)
    assert result.last.get("status") == "completed", result.last
    assert result.last["metrics"]["val/f1_macro"] > 0.6, result.last["metrics"]
    started = result.of_type("started")[0]
    # two batches per optimizer step: half the steps of plain batching
    assert started["total_steps"] == 4 * -(-len_train(result) // 16) // 2
    model_dir = tmp_path / "run" / "model"
    assert (model_dir / "model.safetensors").is_file() and not (model_dir / "adapter_config.json").exists()
    saved = json.loads((model_dir / "config.json").read_text())
    assert saved["architectures"] == ["LlamaForSequenceClassification"]
    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), "pt") as weights:
        names = list(weights.keys())
    assert "score.weight" in names and not any("lora_" in name for name in names)


def len_train(result) -> int:
    return result.of_type("started")[0]["train_rows"]


def test_qlora_is_refused_for_a_classifier_with_its_field(tmp_path):
    llama = make_tiny_llama(str(tmp_path / "llama"))
    train = write_dataset(tmp_path / "train", 40, seed=3)
    config = write_config(tmp_path / "c.yaml", llama, train, training={"finetuning": "qlora"})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.last["code"] == "CONFIG_INVALID" and result.last["field"] == "training.finetuning"
