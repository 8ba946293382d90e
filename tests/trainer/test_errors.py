"""Mapping of raw failures onto stable codes, and the per-class report."""

from __future__ import annotations

import errno
import json

from airlock_trainer.errors import KNOWN_CODES, AirlockError, to_airlock_error
from airlock_trainer.report import per_class
from conftest import SCHEMA_DIR


def test_codes_come_from_the_schema():
    assert KNOWN_CODES == set(json.loads((SCHEMA_DIR / "error-codes.json").read_text()))
    used = {"CONFIG_INVALID", "DATASET_COLUMN_MISSING", "DATASET_EMPTY", "LABEL_COLUMN_SINGLE_CLASS", "MODEL_NOT_FOUND",
            "MODEL_CONFIG_MISSING", "MODEL_WEIGHTS_UNSAFE", "MODEL_WEIGHTS_MISSING", "CUDA_OUT_OF_MEMORY",
            "TRAINING_DIVERGED", "CHECKPOINT_MISSING", "DISK_FULL", "INTERNAL_ERROR"}
    assert used <= KNOWN_CODES


def test_raw_failures_map_to_codes():
    class OutOfMemoryError(RuntimeError):  # torch.cuda.OutOfMemoryError's name, without needing CUDA
        pass

    oom = to_airlock_error(OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert oom.code == "CUDA_OUT_OF_MEMORY" and "batch_size" in oom.hint
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("saving failed") from inner
    except RuntimeError as wrapped:
        assert to_airlock_error(wrapped).code == "DISK_FULL"
    internal = to_airlock_error(KeyError("x"))
    assert internal.code == "INTERNAL_ERROR" and "Traceback" not in internal.message
    same = AirlockError("DATASET_EMPTY", "empty")
    assert to_airlock_error(same) is same


def test_per_class_report():
    report = per_class(["a", "b"], [[3, 1], [0, 2]])
    assert report["a"] == {"precision": 1.0, "recall": 0.75, "f1": round(2 * 0.75 / 1.75, 6), "support": 4}
    assert report["b"]["precision"] == round(2 / 3, 6) and report["b"]["support"] == 2
