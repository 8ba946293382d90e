"""Importing Lightning without the plotting and signal-processing libraries torchmetrics would load.

Lightning imports torchmetrics whenever it is installed, and torchmetrics imports matplotlib (for
Metric.plot) and scipy.signal (for audio metrics) whenever *those* are installed. The full `mlflow`
package, which the sync command needs, installs both, so every training run paid about 2 s (up to
5 s on a busy 2-core machine) importing libraries it never calls. torchmetrics decides in two
places: the flags in torchmetrics.utilities.imports, and `package_available("scipy")` in its
__init__. Loading the flags module first with those flags cleared, and answering that one question
with False while torchmetrics itself is imported, makes it behave as on a machine without
matplotlib and scipy. The metrics the trainer uses (accuracy, F1, confusion matrices, MAE, RMSE,
R2) need neither; anything else in the process can still import them.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys

log = logging.getLogger("airlock_trainer")

FLAGS_MODULE = "torchmetrics.utilities.imports"
# torchmetrics 1.x spells the scipy flag both ways
UNUSED_EXTRAS = ("_MATPLOTLIB_AVAILABLE", "_SCIPY_AVAILABLE", "_SCIPI_AVAILABLE", "_SCIPY_GREATER_EQUAL_1_8")
UNUSED_PACKAGES = ("scipy", "matplotlib")


def import_lightning():
    """lightning.pytorch, with torchmetrics told that matplotlib and scipy are absent."""
    if _clear_unused_extras():
        import lightning_utilities.core.imports as checks

        available = checks.package_available
        checks.package_available = lambda name: False if name in UNUSED_PACKAGES else available(name)
        try:
            import torchmetrics  # noqa: F401 - its __init__ binds the answer above
        finally:
            checks.package_available = available
    import lightning.pytorch as pl

    return pl


def _clear_unused_extras() -> bool:
    """Preloads torchmetrics' flags module with the extras switched off; False when it cannot (or is too late)."""
    if "torchmetrics" in sys.modules or FLAGS_MODULE in sys.modules:
        return False  # too late (or done already): torchmetrics has read its flags
    try:
        package = importlib.util.find_spec("torchmetrics")  # finds the folder, runs nothing
        path = os.path.join(os.path.dirname(package.origin), "utilities", "imports.py")
        spec = importlib.util.spec_from_file_location(FLAGS_MODULE, path)
        flags = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(flags)
    except Exception as error:  # noqa: BLE001 - another torchmetrics layout only costs the time saved
        log.debug("torchmetrics flags not preloaded: %s", error)
        return False
    for name in UNUSED_EXTRAS:
        if hasattr(flags, name):
            setattr(flags, name, False)
    # torchmetrics' own `from torchmetrics.utilities.imports import ...` now finds this module
    sys.modules[FLAGS_MODULE] = flags
    return True
