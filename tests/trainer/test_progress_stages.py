"""The progress events of a run go forward: stage by stage, and within tokenizing across every split."""

from __future__ import annotations

from conftest import run_trainer, train_args, write_config, write_dataset

# The order the app's one progress bar walks (renderer/src/lib/run-progress.ts); training steps sit between
# loading the model and scoring.
PHASES = {"loading_data": 0, "tokenizing": 1, "loading_model": 2, "validating": 4, "testing": 4, "saving": 5}


def test_stages_and_fractions_never_go_back(tmp_path, tiny_model):
    train = write_dataset(tmp_path / "train", 60, seed=1)
    val = write_dataset(tmp_path / "val", 30, seed=2)
    test = write_dataset(tmp_path / "test", 30, seed=3)
    config = write_config(tmp_path / "config.yaml", tiny_model, train,
                          data={"val_path": str(val), "test_path": str(test)}, training={"max_epochs": 1})
    result = run_trainer(*train_args(config, tmp_path / "run"))
    assert result.returncode == 0, result.stderr[-3000:]

    phases = []
    for event in result.events:
        if event["type"] == "progress":
            phases.append(PHASES[event["stage"]])
        elif event["type"] in ("started", "step"):
            phases.append(3)
    assert phases == sorted(phases), phases

    tokenizing = [event for event in result.of_type("progress") if event["stage"] == "tokenizing"]
    fractions = [event["fraction"] for event in tokenizing]
    assert fractions == sorted(fractions), fractions  # one fraction for all three splits, never back to 0
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert tokenizing[0]["message"] == "Loading the tokenizer"
    messages = [event["message"] for event in tokenizing]
    for words in ("Tokenizing training rows", "Tokenizing validation rows", "Tokenizing test rows"):
        assert words in messages, messages
