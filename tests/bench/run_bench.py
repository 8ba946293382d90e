"""Airlock's training benchmark: Airlock's trainer against three baselines, side by side in one run.

Every contestant runs in a fresh process under probe.py (same hooks, same clock),
with the same model, data, seed, batch size, precision and step budget, and with
a fresh, empty Hugging Face cache folder. See docs/benchmarks.md.

    .venv/bin/python tests/bench/run_bench.py [--device cpu|cuda] [--steps N] [--out DIR] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench_common import OFFLINE_ENV, bundled_model_dir, read_rows, write_results
from bench_report import markdown, verdicts

ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = Path(__file__).resolve().parent
SAMPLE = ROOT / "resources" / "sample"
QUICK_STEPS = 4
# Default budget: one epoch on the CPU (75 steps; about 6 minutes for all four on a quiet 2-core
# machine, most of it baseline (a) at 2.4 s a step); on a GPU one epoch is over in seconds, so three.
CUDA_EPOCHS = 3
# accelerate (needed by HF Trainer only) lives here, apart from the venv the Airlock trainer ships with.
BENCH_SITE = ROOT / "tmp" / "bench-site"
INSTALL_HINT = ".venv/bin/python -m pip install --no-deps --target tmp/bench-site -r tests/bench/requirements.txt"
CONTESTANTS = {  # key: label; run in this order
    "airlock": "Airlock trainer",
    "hf_static": "(a) HF Trainer, pad to max_length",
    "hf_dynamic": "(b) HF Trainer, dynamic padding + group_by_length",
    "torch_loop": "(c) hand-written PyTorch loop",
    "airlock_before": "Airlock trainer from --before",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps per contestant (default: every step of --epochs)")
    parser.add_argument("--epochs", type=int, default=None, help=f"passes over the data at most (default: 1 on cpu, {CUDA_EPOCHS} on cuda)")
    parser.add_argument("--out", type=Path, default=ROOT / "tmp" / "bench", help="folder for the result JSON and run folders")
    parser.add_argument("--quick", action="store_true", help=f"smoke check: {QUICK_STEPS} steps each")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the GPU's dense peak TFLOP/s at the bench precision, for MFU")
    parser.add_argument("--only", nargs="+", choices=CONTESTANTS, default=None, help="run only these contestants")
    parser.add_argument("--before", type=Path, default=None,
                        help="another trainer/ folder (e.g. from `git archive`), run as contestant airlock_before "
                             "for a before/after comparison in the same run")
    parser.add_argument("--repeat", type=int, default=1, help="run every contestant this many times, keep the fastest")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds one contestant may take")
    parser.add_argument("--dataset", choices=DATASETS, default="sample",
                        help="sample: the WordNet definitions; debian: package descriptions (longer texts) that "
                             "build/make-debian-dataset.py builds from this machine's dpkg database")
    parser.add_argument("--train", type=Path, default=None, help="training CSV (default: the --dataset's)")
    parser.add_argument("--val", type=Path, default=None, help="validation CSV, scored after every epoch")
    parser.add_argument("--test", type=Path, default=None, help="test CSV, scored once at the end")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--model", type=Path, default=None,
                        help="a local model folder instead of the bundled all-MiniLM-L6-v2 (for example one written by "
                             "build/make-bench-model.py)")
    parser.add_argument("--compile", action="store_true", help="Airlock with training.compile: true (torch.compile)")
    parser.add_argument("--warm-cache", action="store_true",
                        help="let Airlock reuse the tokenized data an earlier run of it left (default: cleared before "
                             "each of its runs, since every baseline tokenizes from scratch)")
    return parser.parse_args()


DATASETS = ("sample", "debian")


def choose_files(args: argparse.Namespace) -> None:
    """The CSV files and columns of --dataset, unless given; debian's files are built on the spot."""
    if args.dataset == "debian":
        folder = args.out / "debian-dataset"
        subprocess.run([sys.executable, str(ROOT / "build" / "make-debian-dataset.py"), str(folder)], check=True)
        files = {name: folder / f"debian-{name}.csv" for name in ("train", "val", "test")}
        args.text_column, args.label_column = "description", "section"
    else:
        # The sample ships two files: the held-out one is both the validation and the test file.
        files = {"train": SAMPLE / "wordnet-topics.csv", "val": SAMPLE / "wordnet-topics-test.csv",
                 "test": SAMPLE / "wordnet-topics-test.csv"}
        args.text_column, args.label_column = "definition", "topic"
    for name, default in files.items():
        setattr(args, name, (getattr(args, name) or default).resolve())


def import_tables(args: argparse.Namespace, out: Path) -> float:
    """Imports the CSV files with Airlock's own importer (`npm run airlock -- import`), as a user does first.

    The trainer reads only the canonical tables import writes. Importing is a once-per-file step
    outside a training job, so its time is reported apart and not counted in Airlock's wall time.
    """
    env = {**os.environ, "AIRLOCK_HOME": str(out / "airlock-home")}
    npm = "npm.cmd" if os.name == "nt" else "npm"
    args.tables, started = {}, time.time()
    for name in ("train", "val", "test"):
        done = subprocess.run([npm, "run", "--silent", "airlock", "--", "import", str(getattr(args, name)), "--json"],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"airlock import {getattr(args, name)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        args.tables[name] = str(Path(json.loads(done.stdout)["dataset"]["dataPath"]).parent)
    return time.time() - started


def airlock_config(args: argparse.Namespace, model: str, steps: int, path: Path) -> None:
    """The RunConfig (schemas/config.ts) equal to the baselines' settings; JSON is valid YAML."""
    config = {
        "model": {"name": model, "task": "classification"},
        "data": {
            "train_path": args.tables["train"],
            "val_path": args.tables["val"],
            "test_path": args.tables["test"],
            "text_column": args.text_column,
            "label_column": args.label_column,
            "max_length": args.max_length,
        },
        "training": {
            "max_epochs": args.epochs,
            "max_steps": steps,
            "learning_rate": 5e-5,
            "warmup_ratio": 0.1,
            "weight_decay": 0.01,
            "batch_size": args.batch_size,
            "precision": "bf16-mixed" if args.device == "cuda" else "32-true",
            "seed": args.seed,
            "devices": 1 if args.device == "cuda" else "cpu",
            **({"compile": True} if args.compile else {}),
        },
        "experiment": {"name": "bench"},
    }
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")


def command(name: str, args: argparse.Namespace, model: str, steps: int, work: Path) -> list[str]:
    """The contestant's command line (without the probe)."""
    if name.startswith("airlock"):
        config = work / "config.yaml"
        airlock_config(args, model, steps, config)
        return ["-m", "airlock_trainer", "train", "--config", str(config), "--run-dir", str(work / "run"), "--run-id", "bench"]
    script = "baseline_torch_loop.py" if name == "torch_loop" else "baseline_hf_trainer.py"
    line = [
        str(BENCH_DIR / script),
        *("--model", model, "--train", str(args.train), "--val", str(args.val), "--test", str(args.test)),
        *("--text-column", args.text_column, "--label-column", args.label_column),
        *("--max-length", str(args.max_length), "--batch-size", str(args.batch_size), "--steps", str(steps)),
        *("--epochs", str(args.epochs), "--seed", str(args.seed), "--device", args.device),
        *("--work-dir", str(work / "output")),
    ]
    if name.startswith("hf_"):
        line += ["--padding", "max_length" if name == "hf_static" else "dynamic"]
    return line


def parse_output(name: str, stdout: str) -> dict:
    """Accuracy (and Airlock's own throughput figures) from the contestant's stdout."""
    lines = []
    for line in stdout.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:  # HF Trainer prints Python dicts of its own metrics on stdout
            continue
    lines = [line for line in lines if isinstance(line, dict)]
    if not name.startswith("airlock"):
        result = next((line for line in reversed(lines) if line.get("type") == "bench_result"), None)
        if not result:
            return {"error": "no result line on stdout"}
        return {"val_accuracy": result["val_accuracy"], "test_accuracy": result.get("test_accuracy")}
    errors = [line for line in lines if line.get("type") == "error"]
    finished = next((line for line in lines if line.get("type") == "finished"), None)
    if finished is None:
        reason = f"{errors[0].get('code')}: {errors[0].get('message')}" if errors else "no finished event"
        return {"error": reason}
    steps = [line for line in lines if line.get("type") == "step"]
    return {
        "val_accuracy": finished["metrics"].get("val/accuracy"),
        "test_accuracy": finished["metrics"].get("test/accuracy"),
        "metrics": finished["metrics"],
        "self_reported": {
            "duration_s": finished.get("duration_s"),
            "step_events": len(steps),
            "samples_per_s_last": steps[-1]["samples_per_s"] if steps else None,
            "tokens_per_s_last": steps[-1]["tokens_per_s"] if steps else None,
            "tokenize_s": finished["details"].get("tokenize_s"),
            "tokenize_cached_splits": finished["details"].get("tokenize_cached_splits"),
            "tokenize_splits": finished["details"].get("tokenize_splits"),
        },
    }


def busy_cpu_seconds() -> float:
    """CPU seconds all processes on the machine have used since boot (/proc/stat), or 0 where unknown."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_one(name: str, args: argparse.Namespace, model: str, steps: int, work: Path) -> dict:
    """Run one contestant under the probe in a fresh process and collect what it measured."""
    work.mkdir(parents=True, exist_ok=True)  # command() writes Airlock's config there
    extra_path = {"airlock": ROOT / "trainer", "airlock_before": args.before, "hf_static": BENCH_SITE,
                  "hf_dynamic": BENCH_SITE}.get(name)
    if name.startswith("airlock") and not args.warm_cache:
        for folder in set(args.tables.values()):  # the token cache (trainer/airlock_trainer/paths.py)
            shutil.rmtree(Path(folder) / "tokenized", ignore_errors=True)
    return measure(name, CONTESTANTS[name], command(name, args, model, steps, work), extra_path, work, args.timeout,
                   lambda stdout: parse_output(name, stdout))


def measure(name: str, label: str, line: list[str], extra_path: Path | None, work: Path, timeout: float,
            parse) -> dict:
    """Run `python probe.py <probe.json> <line...>` in a fresh process with an empty HF cache; the probe's figures,
    wall time, other processes' load and what `parse(stdout)` finds."""
    work.mkdir(parents=True, exist_ok=True)
    probe_file = work / "probe.json"
    probe_file.unlink(missing_ok=True)
    env = {**os.environ, **OFFLINE_ENV, "HF_HOME": str(work / "hf-home"), "PYTHONUNBUFFERED": "1"}
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_path), env.get("PYTHONPATH")]))
    argv = [sys.executable, str(BENCH_DIR / "probe.py"), str(probe_file), *line]
    busy_before, children_before = busy_cpu_seconds(), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"[bench] {name}: {label} ...", file=sys.stderr, flush=True)
    env["BENCH_SPAWN_TS"] = repr(time.time())
    started = time.time()
    with open(work / "stdout.log", "w") as stdout, open(work / "stderr.log", "w") as stderr:
        try:
            code = subprocess.run(argv, cwd=ROOT, env=env, stdout=stdout, stderr=stderr, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
    wall = time.time() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    result = {"name": name, "label": label, "exit_code": code, "wall_s": wall}
    # Cores kept busy by other processes while this contestant ran: above ~0.2 its numbers are understated.
    result["other_load_cores"] = max(0.0, (busy_cpu_seconds() - busy_before - own) / wall) if busy_before else None
    result.update(parse((work / "stdout.log").read_text(encoding="utf-8", errors="replace")))
    if probe_file.exists():
        result.update(json.loads(probe_file.read_text()))
    if code != 0:
        tail = (work / "stderr.log").read_text(errors="replace").strip().splitlines()[-1:] or [""]
        result["error"] = f"{result.get('error', 'failed')}, exit code {code}: {tail[0][:200]} (see {work / 'stderr.log'})"
    print(f"[bench] {name}: done in {result['wall_s']:.0f} s" + (f" ({result['error']})" if "error" in result else ""), file=sys.stderr)
    return result


def run_rounds(names: list[str], repeat: int, out: Path, run, key: str = "samples_per_s",
               kept: tuple[str, ...] = ("samples_per_s", "val_accuracy")) -> list[dict]:
    """Every contestant `repeat` times (`run(name, folder)`), the order rotated each round; keep each one's fastest
    run by `key`, with every run's `kept` figures as all_<figure>.

    Other processes can only slow a run down, never speed it up, so the fastest of several runs
    is the best estimate of what a contestant does on a quiet machine.
    """
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for round_index in range(repeat):
        order = names[round_index % len(names):] + names[:round_index % len(names)]
        for name in order:
            folder = out / (name if repeat == 1 else f"{name}-{round_index + 1}")
            runs[name].append(run(name, folder))
    chosen = []
    for name in names:
        ok = [run for run in runs[name] if "error" not in run and run.get(key)]
        best = dict(max(ok, key=lambda run: run[key]) if ok else runs[name][-1])
        for figure in kept:
            best[f"all_{figure}"] = [run.get(figure) for run in runs[name]]
        chosen.append(best)
    return chosen


def parameter_count(model: str, num_labels: int) -> int:
    """Weights in the safetensors file plus the classification head AutoModelForSequenceClassification adds."""
    with open(Path(model) / "model.safetensors", "rb") as weights:
        header = json.loads(weights.read(int.from_bytes(weights.read(8), "little")))
    body = sum(math.prod(entry["shape"]) for key, entry in header.items() if key != "__metadata__")
    hidden = json.loads((Path(model) / "config.json").read_text())["hidden_size"]
    return body + hidden * num_labels + num_labels


def environment(args: argparse.Namespace) -> dict:
    """Where and with what the numbers were measured."""
    import torch
    import transformers

    info = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu": next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor()),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "device": args.device,
    }
    if args.device == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: torch sees no CUDA device here (torch " + torch.__version__ + ").")
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def main() -> None:
    args = parse_args()
    choose_files(args)
    _, labels = read_rows(str(args.train), args.text_column, args.label_column)
    args.epochs = args.epochs or (CUDA_EPOCHS if args.device == "cuda" else 1)
    all_steps = args.epochs * math.ceil(len(labels) / args.batch_size)
    steps = min(QUICK_STEPS if args.quick else args.steps or all_steps, all_steps)
    measured_on = environment(args)  # first: it refuses --device cuda where there is no GPU
    model = str(args.model.resolve()) if args.model else bundled_model_dir()
    if not BENCH_SITE.is_dir() and {"hf_static", "hf_dynamic"} & set(args.only or CONTESTANTS):
        raise SystemExit(f"The HF Trainer baselines need accelerate; install it once with:\n  {INSTALL_HINT}")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = (args.out / stamp).resolve()
    out.mkdir(parents=True, exist_ok=True)
    import_s = import_tables(args, out)

    names = list(args.only or [name for name in CONTESTANTS if name != "airlock_before" or args.before])
    if "airlock_before" in names and not args.before:
        raise SystemExit("airlock_before needs --before <trainer folder>")
    results = run_rounds(names, args.repeat, out, lambda name, folder: run_one(name, args, model, steps, folder))
    summary = {
        "environment": measured_on,
        "settings": {
            "model": args.model.name if args.model else "all-MiniLM-L6-v2 (bundled)",
            "dataset": args.dataset,
            "import_s": import_s,
            "parameters": parameter_count(model, len(set(labels))),
            "train_rows": len(labels),
            "val_file": str(args.val.relative_to(ROOT)) if args.val.is_relative_to(ROOT) else str(args.val),
            "steps": steps,
            "epochs": args.epochs,
            "batch_size": args.batch_size,
            "max_length": args.max_length,
            "precision": "bf16-mixed" if args.device == "cuda" else "fp32",
            "seed": args.seed,
            "peak_tflops": args.peak_tflops,
            "repeat": args.repeat,
        },
        "results": results,
    }
    summary["verdicts"] = verdicts(summary)
    write_results(out, summary, markdown(summary))


if __name__ == "__main__":
    main()
