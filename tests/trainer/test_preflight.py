"""Pre-flight estimates from files alone: a 7B Llama's memory per method, the refusal on a GPU too small, the CPU warning."""

from __future__ import annotations

import json
import struct

import pytest
import yaml
from conftest import run_trainer, write_dataset

from airlock_trainer.errors import AirlockError
from airlock_trainer.preflight import GIB, check, model_facts, parameters_from_config, run_preflight

# Llama-2-7B's config.json sizes; its safetensors hold 6,738,415,616 parameters.
LLAMA_7B = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
            "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
            "max_position_embeddings": 4096, "tie_word_embeddings": False, "torch_dtype": "float16"}
LLAMA_7B_PARAMETERS = 6_738_415_616
# A 16 GiB GPU: no GPU exists on the test machines, so the device is described, as choose_runtime would.
GPU_16_GIB = {"accelerator": "cuda", "devices": 1, "device_name": "a 16 GiB GPU", "precision": "bf16-mixed",
              "memory_bytes": 16 * GIB}


def llama_7b_folder(folder, with_weights: bool = True):
    """config.json and, optionally, a model.safetensors holding only the header (shapes; no tensor data)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(LLAMA_7B))
    if not with_weights:
        return folder
    h, i, v = 4096, 11008, 32000
    shapes = {"model.embed_tokens.weight": [v, h], "model.norm.weight": [h], "lm_head.weight": [v, h]}
    for layer in range(32):
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            shapes[f"model.layers.{layer}.self_attn.{name}.weight"] = [h, h]
        shapes[f"model.layers.{layer}.mlp.gate_proj.weight"] = [i, h]
        shapes[f"model.layers.{layer}.mlp.up_proj.weight"] = [i, h]
        shapes[f"model.layers.{layer}.mlp.down_proj.weight"] = [h, i]
        shapes[f"model.layers.{layer}.input_layernorm.weight"] = [h]
        shapes[f"model.layers.{layer}.post_attention_layernorm.weight"] = [h]
    header, offset = {}, 0
    for name, shape in shapes.items():
        size = 2
        for dim in shape:
            size *= dim
        header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header).encode()
    (folder / "model.safetensors").write_bytes(struct.pack("<Q", len(encoded)) + encoded)
    return folder


def run_config(finetuning="auto", batch_size=4, max_length=512, checkpointing=False, train_path="data"):
    return {"model": {"name": "llama-7b", "task": "causal_lm"},
            "data": {"train_path": train_path, "format": "text", "text_column": "text", "max_length": max_length,
                     "val_split": 0.1, "val_path": None},
            "training": {"batch_size": batch_size, "finetuning": finetuning, "gradient_checkpointing": checkpointing,
                         "max_epochs": 3, "max_steps": None, "accumulate_grad_batches": 1},
            "lora": {"r": 8, "lora_alpha": 16, "lora_dropout": 0.05, "target_modules": None}}


class Events:
    """Collects what run_preflight emits, as EventWriter.emit would write it."""

    def __init__(self):
        self.emitted = []

    def emit(self, event_type, **payload):
        self.emitted.append({"type": event_type, **payload})


def test_facts_from_safetensors_headers_and_from_config_alone(tmp_path):
    with_weights = model_facts(str(llama_7b_folder(tmp_path / "weights")))
    assert with_weights["parameters"] == LLAMA_7B_PARAMETERS and with_weights["parameters_from"] == "safetensors"
    assert (with_weights["layers"], with_weights["hidden_size"], with_weights["weight_bytes"]) == (32, 4096, 2)
    without = model_facts(str(llama_7b_folder(tmp_path / "config-only", with_weights=False)))
    assert without["parameters_from"] == "config.json"
    # the norms (65 × 4096) are the only weights the sizes leave out
    assert LLAMA_7B_PARAMETERS - without["parameters"] == 65 * 4096
    assert parameters_from_config({**without, "kv_heads": 8}) < without["parameters"]  # grouped-query attention


def test_memory_estimates_for_a_7b_llama_follow_the_documented_formula(tmp_path):
    folder = str(llama_7b_folder(tmp_path / "llama-7b"))
    p, b, s, h, layers, v = LLAMA_7B_PARAMETERS, 4, 512, 4096, 32, 32000
    activations = 34 * s * b * h * layers + 8 * b * s * v
    adapters = 16 * layers * 2 * 8 * 2 * h  # q and v of every layer, r=8, fp32 weight + gradient + 2 AdamW moments
    embeddings = 2 * v * h
    estimates = check(run_config(), folder, GPU_16_GIB | {"memory_bytes": 200 * GIB})["estimates"]
    assert estimates["full"] == p * 2 + p * 2 + 8 * p + activations + GIB
    assert estimates["lora"] == p * 2 + adapters + activations + GIB
    assert estimates["qlora"] == int((p - embeddings) * 4.127 / 8 + embeddings * 2 + adapters + activations + GIB)
    # 12 bytes a parameter for full training of 16-bit weights (2 + 2 gradients + 8 AdamW), ~2 for frozen ones
    assert 80 < estimates["full"] / GIB < 90 and 20 < estimates["lora"] / GIB < 26 and 12 < estimates["qlora"] / GIB < 15
    checkpointed = check(run_config(checkpointing=True), folder, GPU_16_GIB | {"memory_bytes": 200 * GIB})["estimates"]
    assert checkpointed["lora"] == estimates["lora"] - (32 - 1) * 34 * s * b * h + 2 * s * b * h * layers
    longer = check(run_config(max_length=1024), folder, GPU_16_GIB | {"memory_bytes": 200 * GIB})["estimates"]
    assert longer["lora"] - estimates["lora"] == activations


def test_lora_that_cannot_fit_a_16_gib_gpu_is_refused_naming_what_would(tmp_path):
    folder = str(llama_7b_folder(tmp_path / "llama-7b"))
    events = Events()
    with pytest.raises(AirlockError) as refused:
        run_preflight(run_config(), {"model_dir": folder, "base_dirs": [str(tmp_path)]}, GPU_16_GIB, events)
    assert refused.value.code == "MODEL_TOO_LARGE_FOR_GPU" and refused.value.field == "training.finetuning"
    [event] = events.emitted
    assert event["type"] == "preflight" and event["method"] == "lora"
    assert event["fits"] is False and event["warning"] is True and event["device_memory_bytes"] == 16 * GIB
    assert event["estimated_hours"] is None
    message = refused.value.message
    assert message == event["message"]
    assert "LoRA of this 6.7B-parameter model needs about 22.6 GiB at batch_size 4 and max_length 512" in message
    assert "more than the 16.0 GiB of a 16 GiB GPU" in message
    assert "QLoRA would need 13.7 GiB: set training.finetuning to qlora." in message
    assert "LoRA with batch_size 1 would need 15.9 GiB" in message
    assert "With training.gradient_checkpointing it would need 14.9 GiB." in message


def test_full_fine_tuning_refused_and_a_fitting_choice_passes(tmp_path):
    folder = str(llama_7b_folder(tmp_path / "llama-7b"))
    setup = {"model_dir": folder, "base_dirs": [str(tmp_path)]}
    with pytest.raises(AirlockError) as refused:
        run_preflight(run_config("full"), setup, GPU_16_GIB, Events())
    assert "Full fine-tuning of this 6.7B-parameter model needs about 85." in refused.value.message
    assert "QLoRA would need" in refused.value.message
    events = Events()
    result = run_preflight(run_config("qlora"), setup, GPU_16_GIB, events)
    assert result["fits"] is True and result["warning"] is False and events.emitted[0]["fits"] is True
    assert "within the 16.0 GiB of a 16 GiB GPU" in result["message"]
    tiny_gpu = GPU_16_GIB | {"memory_bytes": 4 * GIB, "device_name": "a 4 GiB GPU"}
    with pytest.raises(AirlockError) as nothing_fits:
        run_preflight(run_config("qlora"), setup, tiny_gpu, Events())
    assert nothing_fits.value.message.endswith("No fine-tuning method fits this GPU at this length: lower "
                                               "data.max_length, or train on a larger GPU.")


def test_a_7b_model_on_the_cpu_warns_with_the_hours_it_would_take(tmp_path):
    folder = str(llama_7b_folder(tmp_path / "llama-7b"))
    cpu = {"accelerator": "cpu", "devices": 1, "device_name": "CPU", "precision": "32-true"}
    # 100 GFLOP/s (a fast desktop CPU), 1,000 sequences of 512 tokens, 3 epochs, LoRA: 4 × P × tokens / (50 GFLOP/s)
    result = check(run_config(), folder, cpu, tokens_per_epoch=512_000, flops_per_second=100e9)
    expected = 4 * LLAMA_7B_PARAMETERS * 3 * 512_000 / 50e9 / 3600
    assert result["estimated_hours"] == pytest.approx(expected, abs=0.01) and expected > 100
    assert result["warning"] is True and "days" in result["message"] and "train on a GPU" in result["message"]
    full = check(run_config("full"), folder, cpu, tokens_per_epoch=512_000, flops_per_second=100e9)
    assert full["estimated_hours"] == pytest.approx(expected * 6 / 4, abs=0.01)
    short = check(run_config(), folder, cpu, tokens_per_epoch=100, flops_per_second=100e9)
    assert short["warning"] is (not short["fits"]) and "minutes" in short["message"]


def test_the_preflight_command_measures_the_cpu_and_warns(tmp_path):
    llama_7b_folder(tmp_path / "llama-7b")
    write_dataset(tmp_path / "data", rows=2000)
    config = run_config(max_length=512)
    # 1,800 training rows × 512 tokens × 3 epochs with LoRA: 7e16 FLOPs, more than 3 hours even at a measured 10 TFLOP/s
    config["training"] = {"batch_size": 4, "max_epochs": 3, "devices": "cpu"}
    config["model"]["name"] = str(tmp_path / "llama-7b")
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_trainer("preflight", str(path))
    assert result.last["type"] == "finished", result.stderr[-2000:]
    [event] = result.of_type("preflight")
    assert event["method"] == "lora" and event["estimated_hours"] > 3 and event["warning"] is True
    assert f"{1800 * 512 * 3:,} tokens" in event["message"]  # 2,000 rows less the 10 % held out, 3 epochs


def test_the_preflight_command_reports_a_missing_model(tmp_path):
    config = run_config()
    config["model"]["name"] = str(tmp_path / "nowhere")
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(config))
    result = run_trainer("preflight", str(path))
    assert result.last["type"] == "error" and result.last["code"] == "MODEL_NOT_FOUND"
