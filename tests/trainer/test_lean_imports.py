"""The training process imports Lightning and torchmetrics without matplotlib and scipy (about 2 s)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT, trainer_env

CHECK = """
import sys
from airlock_trainer.lean_imports import import_lightning
import_lightning()
import torch
from torchmetrics.classification import MulticlassF1Score
f1 = MulticlassF1Score(3, average="macro")
f1.update(torch.tensor([0, 1, 2, 2]), torch.tensor([0, 1, 2, 1]))
print(round(float(f1.compute()), 4), sorted(name for name in ("matplotlib", "scipy", "pandas", "pyarrow", "datasets")
                                           if name in sys.modules))
import scipy.signal  # still importable by anyone who needs it
"""


def test_lightning_loads_without_plotting_or_signal_libraries():
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=trainer_env(), cwd=str(ROOT),
                          timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["0.7778", "[]"], done.stdout
