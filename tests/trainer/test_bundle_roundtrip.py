"""Round trip through the real CLI: train the tiny model → register → export → verify, then load the bundle
with the real `mlflow.pyfunc` and check its predictions equal Airlock's own (`airlock predict`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, write_csv

TEXTS = ["good great wonderful amazing", "bad terrible awful boring rude", "the train station weather park",
         "a long one " + "excellent " * 200]
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is needed to drive the airlock CLI")


def no_network_prefix() -> list[str]:
    """`unshare -n` (a new network namespace with no interfaces) where this machine allows it, as root does."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    print("note: unshare -n is not available here; the export runs with the network namespace as it is")
    return []


def airlock(home: Path, *args: str, prefix: list[str] | None = None) -> dict:
    """Runs `airlock <args> --json` and returns its JSON, failing the test on a non-zero exit."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "AIRLOCK_"))}
    env.update({"AIRLOCK_HOME": str(home), "OMP_NUM_THREADS": "1"})
    completed = subprocess.run([*(prefix or []), NODE, "--import", "tsx", "electron/cli/main.ts", *args, "--json"], cwd=str(ROOT), env=env,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, tiny_model) -> dict:
    """A bundle exported by Airlock from a freshly trained and registered tiny model, with Airlock's predictions."""
    work = tmp_path_factory.mktemp("roundtrip")
    home = work / "home"
    airlock(home, "models", "import", tiny_model, "--name", "tiny")
    train = write_csv(work / "train.csv", 150, seed=3)
    config = work / "run.yaml"
    config.write_text(yaml.safe_dump({
        "model": {"name": "tiny"},
        "data": {"train_path": str(train), "text_column": "text", "label_column": "label", "max_length": 24},
        "training": {"max_epochs": 2, "batch_size": 8, "learning_rate": 5e-3, "seed": 7},
        "experiment": {"name": "roundtrip"}}), encoding="utf-8")
    run = airlock(home, "train", str(config))["run"]
    assert run["status"] == "completed"
    version = airlock(home, "register", run["id"], "--name", "topics", "--stage", "staging")["version"]
    target = work / "usb"
    target.mkdir()
    # Exported with no network at all where possible: MLflow and Hugging Face must not need one.
    bundle = airlock(home, "export", f"topics@{version['version']}", "--to", str(target), prefix=no_network_prefix())["bundle"]
    verified = airlock(home, "verify", bundle["path"])["bundle"]
    predictions = airlock(home, "predict", "topics@staging", *[part for text in TEXTS for part in ("--text", text)])
    return {"bundle": Path(bundle["path"]), "verified": verified, "predictions": predictions["predictions"],
            "work": work}


def test_bundle_verifies_and_holds_safetensors_only(exported):
    bundle = exported["bundle"]
    assert bundle.name == "topics-v1"
    manifest = json.loads((bundle / "manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {str(path.relative_to(bundle)) for path in bundle.rglob("*") if path.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert exported["verified"]["files"] == len(listed)
    assert "model/model.safetensors" in listed
    assert not [path for path in listed if path.endswith((".bin", ".pt", ".pkl", ".ckpt"))]


def test_mlmodel_has_both_flavors_as_mlflow_writes_them(exported):
    from mlflow.models import Model

    model = Model.load(str(exported["bundle"] / "MLmodel"))
    assert set(model.flavors) >= {"transformers", "python_function"}
    assert model.flavors["python_function"]["loader_module"] == "mlflow.transformers"
    assert model.flavors["transformers"]["task"] == "text-classification"
    assert model.flavors["transformers"]["source_model_name"] == "topics-v1"


def test_mlflow_pyfunc_predictions_equal_airlocks_own(exported, monkeypatch):
    import mlflow.pyfunc

    # Loading on the other side must not need the network or a tracking server.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    loaded = mlflow.pyfunc.load_model(str(exported["bundle"]))
    table = loaded.predict(TEXTS)
    airlock_predictions = exported["predictions"]
    assert list(table["label"]) == [prediction["label"] for prediction in airlock_predictions]
    for score, prediction in zip(table["score"], airlock_predictions):
        assert score == pytest.approx(prediction["probability"], abs=1e-5)
    assert len(set(table["label"])) > 1, "the tiny model should tell at least two topics apart"


def test_mlflow_wrote_nothing_outside_the_bundle(exported):
    # No tracking folder (mlruns) and no Hugging Face cache appeared beside the work folders.
    assert not list(exported["work"].rglob("mlruns"))
    assert not (ROOT / "mlruns").exists()
