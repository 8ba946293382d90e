"""Model folders users bring: a GPT-2 style decoder without a padding token, and RoBERTa's 514 listed positions.

The tiny folders are made locally (tests/fixtures/make_tiny_bpe_models.py) and shaped like the Hub's.
"""

from __future__ import annotations

import json

import pytest
from make_tiny_bpe_models import GPT2_EOS, make_tiny_gpt2, make_tiny_roberta

from conftest import run_trainer, train_args, write_config, write_dataset

GPT2_POSITIONS = 64
TEXTS = ["good", "bad terrible awful boring rude and cold", "the train station weather park book music"]


@pytest.fixture(scope="module")
def tiny_gpt2(tmp_path_factory) -> str:
    return make_tiny_gpt2(str(tmp_path_factory.mktemp("tiny-gpt2")), positions=GPT2_POSITIONS)


@pytest.fixture(scope="module")
def tiny_roberta(tmp_path_factory) -> str:
    return make_tiny_roberta(str(tmp_path_factory.mktemp("tiny-roberta")))


@pytest.fixture(scope="module")
def trained_gpt2(tmp_path_factory, tiny_gpt2) -> str:
    """A two-step classification run on the tiny GPT-2; its saved model folder."""
    work = tmp_path_factory.mktemp("gpt2-run")
    config = write_config(work / "run.yaml", tiny_gpt2, write_dataset(work / "train", 40),
                          training={"max_steps": 2, "batch_size": 4})
    result = run_trainer(*train_args(config, work / "run"))
    assert result.last["type"] == "finished", result.last
    assert result.last["details"]["steps"] == 2
    return result.last["model_dir"]


def test_the_folders_load_in_transformers_by_name_and_the_file_rules_match_the_tokenizers(tiny_gpt2, tiny_roberta):
    from airlock_trainer.model_limits import padding
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    for folder, head in ((tiny_gpt2, {"score.weight"}), (tiny_roberta, {"classifier.dense.weight", "classifier.dense.bias",
                                                                         "classifier.out_proj.weight", "classifier.out_proj.bias"})):
        _, loading = AutoModelForSequenceClassification.from_pretrained(folder, num_labels=2, output_loading_info=True)
        assert set(loading["missing_keys"]) == head  # every base weight is found under its name
        tokenizer = AutoTokenizer.from_pretrained(folder)
        facts = padding(folder)
        if tokenizer.pad_token is None:
            assert facts == {"padding": "eos_token", "pad_token": tokenizer.eos_token}
        else:
            assert facts == {"padding": "pad_token", "pad_token": tokenizer.pad_token}
    assert AutoTokenizer.from_pretrained(tiny_gpt2).pad_token is None  # the case this file is about


def test_roberta_reads_512_of_its_514_positions_as_the_limit_says(tiny_roberta):
    import torch
    from airlock_trainer.model_limits import input_limit
    from transformers import AutoModel

    limit, source = input_limit(tiny_roberta)
    assert limit == 512 and "514" in source
    model = AutoModel.from_pretrained(tiny_roberta).eval()
    with torch.no_grad():
        model(input_ids=torch.full((1, limit), 5))
        with pytest.raises((IndexError, RuntimeError)):  # the first position past the table
            model(input_ids=torch.full((1, limit + 1), 5))


def test_inspect_reports_padding_and_usable_positions(tiny_gpt2, tiny_roberta):
    gpt2 = run_trainer("inspect-model", tiny_gpt2).of_type("model_info")[0]["info"]
    assert gpt2["model_type"] == "gpt2"
    assert (gpt2["max_positions"], gpt2["max_input_tokens"]) == (GPT2_POSITIONS, GPT2_POSITIONS)
    assert (gpt2["padding"], gpt2["pad_token"]) == ("eos_token", GPT2_EOS)
    roberta = run_trainer("inspect-model", tiny_roberta).of_type("model_info")[0]["info"]
    assert (roberta["max_positions"], roberta["max_input_tokens"]) == (514, 512)
    assert (roberta["padding"], roberta["pad_token"]) == ("pad_token", "<pad>")


@pytest.mark.parametrize("kind, too_long, limit", [("roberta", 513, 512), ("gpt2", GPT2_POSITIONS + 1, GPT2_POSITIONS)])
def test_a_max_length_past_the_model_is_refused_naming_the_field_and_the_limit(
        kind, too_long, limit, tiny_gpt2, tiny_roberta, tmp_path):
    folder = {"gpt2": tiny_gpt2, "roberta": tiny_roberta}[kind]
    train = write_dataset(tmp_path / "train", 20)
    fits = write_config(tmp_path / "fits.yaml", folder, train, data={"max_length": limit})
    assert run_trainer("validate-config", str(fits)).last["type"] == "finished"
    config = write_config(tmp_path / "long.yaml", folder, train, data={"max_length": too_long})
    for result in (run_trainer("validate-config", str(config)), run_trainer(*train_args(config, tmp_path / "run"))):
        error = result.last
        assert (error["type"], error["code"], error["field"]) == ("error", "CONFIG_INVALID", "data.max_length")
        assert f"at most {limit}" in error["message"] and str(too_long) in error["message"]
        assert str(limit) in error["hint"]
    assert not (tmp_path / "run" / "model").exists()


def test_validate_config_checks_only_the_schema_when_the_model_is_not_at_hand(tmp_path):
    config = write_config(tmp_path / "run.yaml", "some-cached-id", write_dataset(tmp_path / "train", 5),
                          data={"max_length": 4096})
    assert run_trainer("validate-config", str(config)).last["type"] == "finished"


def test_gpt2_trains_with_eos_padding_saved_in_tokenizer_and_config(trained_gpt2):
    with open(f"{trained_gpt2}/tokenizer_config.json", encoding="utf-8") as handle:
        assert json.load(handle)["pad_token"] == GPT2_EOS
    with open(f"{trained_gpt2}/config.json", encoding="utf-8") as handle:
        config = json.load(handle)
    assert config["pad_token_id"] == config["eos_token_id"]
    info = run_trainer("inspect-model", trained_gpt2).of_type("model_info")[0]["info"]
    assert (info["padding"], info["architecture"]) == ("pad_token", "GPT2ForSequenceClassification")


def test_predict_and_the_mlflow_bundle_agree_on_the_trained_gpt2(trained_gpt2, tmp_path, monkeypatch):
    """Predict pads the three texts into one batch; MLflow's pipeline scores them one by one: same answers."""
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps(TEXTS), encoding="utf-8")
    predicted = run_trainer("predict", "--model", trained_gpt2, "--max-length", "48", "--texts-file", str(texts))
    predictions = predicted.last["details"]["predictions"]
    assert [prediction["text"] for prediction in predictions] == TEXTS
    out = tmp_path / "bundle"
    bundled = run_trainer("bundle", "--model", trained_gpt2, "--out", str(out), "--max-length", "48",
                          "--source-name", "gpt2-topics-v1", "--base-model", "tiny-gpt2")
    assert bundled.last["type"] == "finished", bundled.last
    saved = [json.loads(path.read_text()) for path in out.rglob("tokenizer_config.json")]
    assert saved and all(settings["pad_token"] == GPT2_EOS for settings in saved)

    import mlflow.pyfunc

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    table = mlflow.pyfunc.load_model(str(out)).predict(TEXTS)
    assert list(table["label"]) == [prediction["label"] for prediction in predictions]
    for score, prediction in zip(table["score"], predictions):
        assert score == pytest.approx(prediction["probability"], abs=1e-5)
