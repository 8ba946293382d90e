"""Airlock's SFT benchmark: Airlock's causal_lm LoRA training against a plain HF `Trainer` + `peft` script, in one run.

Every contestant trains the same small Llama-shaped model (build/make-sft-bench-model.py, made here, random weights)
with the same LoRA settings, prompt/completion data (tests/bench/sft_data.py), max_length, batch size, steps,
learning-rate schedule, seed and torch threads, in a fresh process under probe.py. The figure that counts is
real tokens/s: non-padding tokens reaching the model per second of training. See docs/benchmarks.md.

    .venv/bin/python tests/bench/sft_bench.py [--quick] [--device cpu|cuda] [--steps N] [--repeat R] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from bench_common import write_results
from bench_report import _number
from sft_data import write
from run_bench import BENCH_DIR, BENCH_SITE, ROOT, environment, measure, run_rounds

CONTESTANTS = {
    "airlock": "Airlock trainer (causal_lm, LoRA)",
    "hf_random": "(a) HF Trainer + peft, random batches",
    "hf_grouped": "(b) HF Trainer + peft, group_by_length",
}
QUICK_STEPS = 4
# One epoch of this many batches by default: about 10 s a step on a busy 2-core CPU with the small model.
BATCHES = 12
LORA = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.05,
        "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}
TARGET = 1.0  # Airlock's real tokens/s over each baseline's
OTHER_LOAD_LIMIT = 0.2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--quick", action="store_true", help=f"smoke check: {QUICK_STEPS} steps each, the mini model")
    parser.add_argument("--size", choices=["small", "mini"], default=None, help="the model (default: small; mini with --quick)")
    parser.add_argument("--model", type=Path, default=None, help="another local causal LM folder instead of the made one")
    parser.add_argument("--train-rows", type=int, default=None, help=f"training rows (default: {BATCHES} batches' worth)")
    parser.add_argument("--val-rows", type=int, default=16)
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps per contestant (default: every step of --epochs)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=2e-4)
    parser.add_argument("--warmup-ratio", type=float, default=0.1)
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=2, help="run every contestant this many times, keep the fastest")
    parser.add_argument("--only", nargs="+", choices=CONTESTANTS, default=None)
    parser.add_argument("--peak-tflops", type=float, default=None, help="the GPU's dense peak TFLOP/s at the bench precision, for MFU")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one contestant may take")
    parser.add_argument("--out", type=Path, default=ROOT / "tmp" / "bench-sft")
    parser.add_argument("--render", type=Path, default=None, help="print the table of an earlier run's results.json")
    args = parser.parse_args()
    args.size = args.size or ("mini" if args.quick else "small")
    args.train_rows = args.train_rows or BATCHES * args.batch_size
    return args


def threads() -> int:
    """The torch thread count Airlock picks (devices.cpu_threads); the baselines are given the same."""
    sys.path.insert(0, str(ROOT / "trainer"))
    from airlock_trainer.devices import cpu_threads

    return cpu_threads()


def model_folder(args: argparse.Namespace) -> Path:
    if args.model:
        return args.model.resolve()
    folder = ROOT / "tmp" / "bench-models" / f"sft-llama-{args.size}"
    subprocess.run([sys.executable, str(ROOT / "build" / "make-sft-bench-model.py"), str(folder), "--size", args.size],
                   check=True)
    return folder


def airlock_command(args: argparse.Namespace, model: Path, steps: int, work: Path) -> list[str]:
    config = {  # JSON is YAML
        "model": {"name": str(model), "task": "causal_lm"},
        "data": {"train_path": args.tables["train"], "val_path": args.tables["val"], "format": "prompt_completion",
                 "prompt_column": "prompt", "completion_column": "completion", "text_column": None,
                 "label_column": None, "max_length": args.max_length},
        "training": {"finetuning": "lora", "max_epochs": args.epochs, "max_steps": steps,
                     "learning_rate": args.learning_rate, "warmup_ratio": args.warmup_ratio,
                     "weight_decay": args.weight_decay, "batch_size": args.batch_size, "seed": args.seed,
                     "precision": "bf16-mixed" if args.device == "cuda" else "32-true",
                     "devices": 1 if args.device == "cuda" else "cpu"},
        "lora": LORA,
        "experiment": {"name": "sft-bench"},
    }
    work.mkdir(parents=True, exist_ok=True)
    (work / "config.yaml").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return ["-m", "airlock_trainer", "train", "--config", str(work / "config.yaml"), "--run-dir", str(work / "run"),
            "--run-id", "bench"]


def baseline_command(name: str, args: argparse.Namespace, model: Path, steps: int, work: Path) -> list[str]:
    return [str(BENCH_DIR / "baseline_hf_sft.py"), "--model", str(model), "--train", str(args.train),
            "--val", str(args.val), "--sampling", "grouped" if name == "hf_grouped" else "random",
            *("--max-length", str(args.max_length), "--batch-size", str(args.batch_size)),
            *("--epochs", str(args.epochs), "--steps", str(steps), "--learning-rate", str(args.learning_rate)),
            *("--warmup-ratio", str(args.warmup_ratio), "--weight-decay", str(args.weight_decay)),
            *("--lora", json.dumps(LORA), "--seed", str(args.seed), "--threads", str(args.threads)),
            *("--device", args.device, "--work-dir", str(work / "output"))]


def parse(name: str, stdout: str) -> dict:
    """Validation loss (and Airlock's weight counts) from the contestant's stdout."""
    events = []
    for line in stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:  # HF Trainer prints Python dicts of its own metrics
            continue
        if isinstance(event, dict):
            events.append(event)
    if name != "airlock":
        result = next((event for event in reversed(events) if event.get("type") == "bench_result"), None)
        return {"val_loss": result["val_loss"]} if result else {"error": "no result line on stdout"}
    finished = next((event for event in events if event.get("type") == "finished"), None)
    if finished is None:
        error = next((event for event in events if event.get("type") == "error"), {})
        return {"error": f"{error.get('code', 'no finished event')}: {error.get('message', '')}"}
    return {"val_loss": finished["metrics"].get("val/loss"),
            "trainable_parameters": finished["details"].get("trainable_parameters")}


def parameter_counts(model: Path) -> dict:
    """Weights by role, read from the safetensors header: all, the input embedding table, and LoRA's added ones."""
    with open(model / "model.safetensors", "rb") as weights:
        header = json.loads(weights.read(int.from_bytes(weights.read(8), "little")))
    shapes = {key: entry["shape"] for key, entry in header.items() if key != "__metadata__"}
    embedding = sum(math.prod(shape) for key, shape in shapes.items() if key.endswith("embed_tokens.weight"))
    lora = sum(LORA["r"] * (shape[0] + shape[1]) for key, shape in shapes.items()
               if len(shape) == 2 and key.split(".")[-2] in LORA["target_modules"])
    return {"parameters": sum(math.prod(shape) for shape in shapes.values()), "embedding": embedding, "lora": lora}


def flops_per_token(counts: dict) -> float:
    """Forward 2N, backward 2N for the gradients flowing through every frozen weight, plus 2 per trainable weight
    for its own gradient: 4N + 2T (6N for full fine-tuning, T = N). N leaves out the input embedding table (a
    lookup, no multiplications) and counts the LoRA matrices; attention's own score products are left out."""
    matmul = counts["parameters"] - counts["embedding"] + counts["lora"]
    return 4 * matmul + 2 * counts["lora"]


def markdown(summary: dict) -> str:
    env, settings = summary["environment"], summary["settings"]
    cuda = env["device"] == "cuda"
    lines = [
        f"SFT benchmark {env['date']} on {env.get('gpu') or env['cpu']} ({env['cpu_count']} CPU cores, "
        f"{settings['threads']} torch threads), torch {env['torch']}, transformers {env['transformers']}, peft {env['peft']}",
        f"{settings['model']} ({settings['parameters'] / 1e6:.1f} M parameters, LoRA r {LORA['r']} alpha "
        f"{LORA['lora_alpha']} dropout {LORA['lora_dropout']} on {', '.join(LORA['target_modules'])}: "
        f"{settings['lora_parameters'] / 1e6:.2f} M trainable), {settings['train_rows']} training rows, "
        f"{settings['steps']} steps of {settings['batch_size']}, max_length {settings['max_length']}, "
        f"{settings['precision']}, lr {settings['learning_rate']:g} (10% warm-up, linear decay), seed {settings['seed']}"
        + (f"; fastest of {settings['repeat']} runs each" if settings["repeat"] > 1 else ""),
        "",
    ]
    header = ["Contestant", "real tokens/s", "real tokens per CPU s", "samples/s", "padding", "peak RSS MiB"]
    header += ["CUDA peak MiB", "MFU"] if cuda else ["other load"]
    header += ["val loss", "start-up to 1st step s", "wall s", "real tokens/s, every run"]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in summary["results"]:
        if "error" in result and not result.get("real_tokens_per_s"):
            lines.append(f"| {result['label']} | failed: {result['error']} |" + " |" * (len(header) - 2))
            continue
        share = result.get("padding_share")
        row = [result["label"], _number(result.get("real_tokens_per_s"), 0), _number(per_cpu_second(result), 0),
               _number(result.get("samples_per_s")),
               "n/a" if share is None else f"{100 * share:.0f}%", _number(result.get("peak_rss_mib"), 0)]
        if cuda:
            mfu = result.get("mfu")
            row += [_number(result.get("cuda_max_allocated_mib"), 0), "n/a" if mfu is None else f"{100 * mfu:.1f}%"]
        else:
            row.append(_number(result.get("other_load_cores"), 2))
        row += [_number(result.get("val_loss"), 3), _number(result.get("startup_to_first_step_s")),
                _number(result.get("wall_s"), 0),
                ", ".join(_number(value, 0) for value in result.get("all_real_tokens_per_s", []))]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    for verdict in summary["verdicts"]:
        value = verdict["value"]
        met = {True: "met", False: "**not met**", None: "not decided"}[verdict["met"]]
        lines.append(f"- Airlock real tokens/s vs {verdict['against']}: "
                     f"{'n/a' if value is None else f'{value:.2f}x'} (target >= {TARGET}x, {met})")
    loads = [result["other_load_cores"] for result in summary["results"] if result.get("other_load_cores") is not None]
    if not cuda and loads and max(loads) > OTHER_LOAD_LIMIT:
        lines += ["", f"Other processes kept up to {max(loads):.2f} cores busy during the run (column 'other load'): "
                  "the figures are understated and the ratios noisy. Rerun on a quiet machine."]
    if cuda and not settings.get("peak_tflops"):
        lines += ["", "MFU needs the GPU's peak: pass --peak-tflops."]
    return "\n".join(lines) + "\n"


def per_cpu_second(result: dict) -> float | None:
    """Real tokens per CPU second the contestant used while training: what it does with the CPU time it got, so
    less swayed than tokens/s by other processes taking cores (though a thread spinning while it waits counts)."""
    if not result.get("real_tokens_per_s") or not result.get("cpu_share"):
        return None
    return result["real_tokens_per_s"] / (result["cpu_share"] * result["torch_threads"])


def verdicts(results: list[dict]) -> list[dict]:
    by_name = {result["name"]: result for result in results}
    airlock = by_name.get("airlock", {})
    found = []
    for name in CONTESTANTS:
        base = by_name.get(name)
        if name == "airlock" or base is None:
            continue
        ratio = None
        if airlock.get("real_tokens_per_s") and base.get("real_tokens_per_s") and "error" not in airlock and "error" not in base:
            ratio = airlock["real_tokens_per_s"] / base["real_tokens_per_s"]
        found.append({"against": base["label"], "value": ratio, "met": None if ratio is None else ratio >= TARGET})
    return found


def main() -> None:
    args = parse_args()
    if args.render:
        print(markdown(json.loads(args.render.read_text(encoding="utf-8"))))
        return
    measured_on = environment(args)  # first: it refuses --device cuda where there is no GPU
    import peft

    measured_on["peft"] = peft.__version__
    if not (BENCH_SITE / "accelerate").is_dir() and set(args.only or CONTESTANTS) - {"airlock"}:
        raise SystemExit("The HF Trainer baselines need accelerate in tmp/bench-site: run `npm run bench -- --sft`, "
                         "which installs it.")
    args.threads = threads()
    model = model_folder(args)
    out = (args.out / datetime.now().strftime("%Y%m%d-%H%M%S")).resolve()
    files = write(out / "data", args.train_rows, args.val_rows)
    args.train, args.val = files["train"], files["val"]
    # airlock import does not take prompt/completion files yet (it looks for a label column), so the bench writes
    # the canonical tables import will write; see docs/benchmarks.md.
    args.tables = {"train": str(files["train_table"]), "val": str(files["val_table"])}
    all_steps = args.epochs * math.ceil(args.train_rows / args.batch_size)
    steps = min(QUICK_STEPS if args.quick else args.steps or all_steps, all_steps)

    def run(name: str, folder: Path) -> dict:
        if name == "airlock":
            line, path = airlock_command(args, model, steps, folder), ROOT / "trainer"
        else:
            line, path = baseline_command(name, args, model, steps, folder), BENCH_SITE
        return measure(name, CONTESTANTS[name], line, path, folder, args.timeout, lambda stdout: parse(name, stdout))

    names = list(args.only or CONTESTANTS)
    results = run_rounds(names, args.repeat, out, run, key="real_tokens_per_s", kept=("real_tokens_per_s", "val_loss"))
    counts = parameter_counts(model)
    for result in results:
        if args.device == "cuda" and args.peak_tflops and result.get("real_tokens_per_s"):
            result["mfu"] = flops_per_token(counts) * result["real_tokens_per_s"] / (args.peak_tflops * 1e12)
    summary = {
        "environment": measured_on,
        "settings": {
            "model": model.name, "parameters": counts["parameters"], "lora_parameters": counts["lora"],
            "flops_per_token": flops_per_token(counts), "train_rows": args.train_rows,
            "val_rows": args.val_rows, "steps": steps, "epochs": args.epochs, "batch_size": args.batch_size,
            "max_length": args.max_length, "learning_rate": args.learning_rate, "warmup_ratio": args.warmup_ratio,
            "weight_decay": args.weight_decay, "lora": LORA, "threads": args.threads,
            "precision": "bf16-mixed" if args.device == "cuda" else "fp32", "seed": args.seed,
            "peak_tflops": args.peak_tflops, "repeat": args.repeat,
        },
        "results": results,
    }
    summary["verdicts"] = verdicts(results)
    write_results(out, summary, markdown(summary))


if __name__ == "__main__":
    main()
