"""Targets, verdicts and the Markdown table of a benchmark run."""

from __future__ import annotations

# Airlock's samples/s must reach this multiple of each baseline's.
SPEED_TARGETS = {"hf_static": 1.5, "hf_dynamic": 1.0, "torch_loop": 0.97}
# Whole job (train, validate each epoch, score the test file, save): Airlock's wall time at most this
# multiple of each HF Trainer baseline's.
WALL_TARGETS = {"hf_static": 1.0, "hf_dynamic": 1.0}
# Start-up (process start to the end of the first optimizer step): at most this multiple of the plain loop's.
STARTUP_BASELINE, STARTUP_TARGET = "torch_loop", 1.2
# Airlock's accuracy must be within this many points of baseline (b).
ACCURACY_BASELINE = "hf_dynamic"
ACCURACY_POINTS = 1.0
# Cores used by other processes (per wall second) above which a CPU run is flagged as disturbed.
OTHER_LOAD_LIMIT = 0.2


def _by_name(summary: dict) -> dict[str, dict]:
    return {result["name"]: result for result in summary["results"]}


def mfu(result: dict, summary: dict) -> float | None:
    """Model FLOPs utilisation counting only real tokens: 6 * parameters * real tokens/s / peak."""
    peak = summary["settings"].get("peak_tflops")
    if summary["environment"]["device"] != "cuda" or not peak or not result.get("real_tokens_per_s"):
        return None
    return 6 * summary["settings"]["parameters"] * result["real_tokens_per_s"] / (peak * 1e12)


def verdicts(summary: dict) -> list[dict]:
    """Airlock against each target; a target whose contestants did not both finish is left undecided."""
    results = _by_name(summary)
    airlock = results.get("airlock", {})
    found = []
    for name, target in SPEED_TARGETS.items():
        base = results.get(name, {})
        ratio = None
        if airlock.get("samples_per_s") and base.get("samples_per_s") and "error" not in airlock and "error" not in base:
            ratio = airlock["samples_per_s"] / base["samples_per_s"]
        found.append({
            "target": f"samples/s vs {name} >= {target}x",
            "value": ratio,
            "met": None if ratio is None else ratio >= target,
        })
    for name, target in WALL_TARGETS.items():
        found.append(_time_ratio(airlock, results.get(name, {}), "wall_s", f"whole-job wall time vs {name} <= {target}x", target))
    found.append(_time_ratio(airlock, results.get(STARTUP_BASELINE, {}), "startup_to_first_step_s",
                             f"start-up to 1st step vs {STARTUP_BASELINE} <= {STARTUP_TARGET}x", STARTUP_TARGET))
    base = results.get(ACCURACY_BASELINE, {})
    gap = None
    if airlock.get("val_accuracy") is not None and base.get("val_accuracy") is not None:
        gap = 100 * (airlock["val_accuracy"] - base["val_accuracy"])
    found.append({
        "target": f"accuracy within {ACCURACY_POINTS:g} point of {ACCURACY_BASELINE}",
        "value": gap,
        "met": None if gap is None else abs(gap) <= ACCURACY_POINTS,
    })
    return found


def _time_ratio(airlock: dict, base: dict, key: str, target_text: str, target: float) -> dict:
    """Airlock's time over the baseline's (lower is better); undecided unless both finished."""
    ratio = None
    if airlock.get(key) and base.get(key) and "error" not in airlock and "error" not in base:
        ratio = airlock[key] / base[key]
    return {"target": target_text, "value": ratio, "met": None if ratio is None else ratio <= target}


def _number(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def markdown(summary: dict) -> str:
    """The results table, the ratios against each baseline and the targets."""
    env, settings = summary["environment"], summary["settings"]
    cuda = env["device"] == "cuda"
    lines = [
        f"Benchmark {env['date']} on {env.get('gpu') or env['cpu']} ({env['cpu_count']} CPU cores), "
        f"torch {env['torch']}, transformers {env['transformers']}",
        f"{settings['model']} ({settings['parameters'] / 1e6:.1f} M parameters), {settings['train_rows']} training rows, "
        f"{settings['steps']} steps of {settings['batch_size']}, max_length {settings['max_length']}, "
        f"{settings['precision']}, seed {settings['seed']}, dataset {settings.get('dataset', 'sample')}"
        + (f"; Airlock's import of the files took {settings['import_s']:.1f} s (once per file, not in its wall time)"
           if settings.get("import_s") is not None else "")
        + (f"; fastest of {settings['repeat']} runs each" if settings.get("repeat", 1) > 1 else ""),
        "",
    ]
    header = ["Contestant", "samples/s", "real tokens/s", "padding", "peak RSS MiB"]
    header += ["CUDA peak MiB", "MFU"] if cuda else ["other load"]
    header += ["val accuracy", "test accuracy", "start-up to 1st step s", "wall s"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in summary["results"]:
        if "error" in result and not result.get("samples_per_s"):
            lines.append(f"| {result['label']} | failed: {result['error']} |" + " |" * (len(header) - 2))
            continue
        accuracy = result.get("val_accuracy")
        share = result.get("padding_share")
        row = [
            result["label"],
            _number(result.get("samples_per_s")),
            _number(result.get("real_tokens_per_s"), 0),
            "n/a" if share is None else f"{100 * share:.0f}%",
            _number(result.get("peak_rss_mib"), 0),
        ]
        if cuda:
            value = mfu(result, summary)
            row += [_number(result.get("cuda_max_allocated_mib"), 0), "n/a" if value is None else f"{100 * value:.1f}%"]
        else:
            row.append(_number(result.get("other_load_cores"), 2))
        row += [
            "n/a" if accuracy is None else f"{100 * accuracy:.2f}%",
            "n/a" if result.get("test_accuracy") is None else f"{100 * result['test_accuracy']:.2f}%",
            _number(result.get("startup_to_first_step_s")),
            _number(result.get("wall_s"), 0),
        ]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "| Target | Measured | Met |", "|---|---|---|"]
    for verdict in summary["verdicts"]:
        value = verdict["value"]
        shown = "n/a" if value is None else (f"{value:+.2f} points" if "accuracy" in verdict["target"] else f"{value:.2f}x")
        met = {True: "yes", False: "**no**", None: "not decided"}[verdict["met"]]
        lines.append(f"| Airlock {verdict['target']} | {shown} | {met} |")
    loads = [result["other_load_cores"] for result in summary["results"] if result.get("other_load_cores") is not None]
    if not cuda and loads and max(loads) > OTHER_LOAD_LIMIT:
        lines += ["", f"Other processes kept up to {max(loads):.2f} cores busy during the run (column 'other load'): "
                  "the contestants so affected are understated and the ratios are noisy. Rerun on a quiet machine."]
    for result in summary["results"]:
        own = result.get("self_reported") or {}
        if own.get("tokenize_s") is not None:
            lines += ["", f"{result['label']}: tokenizing took {own['tokenize_s']:.2f} s "
                      f"({own.get('tokenize_cached_splits', 0)} of {own.get('tokenize_splits')} splits read from its "
                      "token cache: a split whose texts another split of the same run already tokenized is a hit)."]
    if cuda and not settings.get("peak_tflops"):
        lines += ["", "MFU needs the GPU's peak: pass --peak-tflops."]
    return "\n".join(lines) + "\n"
