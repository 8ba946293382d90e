"""`python -m airlock_trainer <command>`: devices, inspect-model, inspect-media, token-lengths, validate-config, preview-rows, preflight, train, sync, predict, predict-worker, bundle, merge-lm, cluster-check, cluster-seal.

stdout carries only JSON-lines events; logs go to stderr. Every command ends with exactly one
finished or error event, and exits 0 after finished, 1 after error; cluster-check and cluster-seal
(whose stdout is a cluster run's events.jsonl) say nothing on success.
"""

from __future__ import annotations

import argparse
import json
import atexit
import logging
import os
import sys
import time
import traceback

from .errors import AirlockError, to_airlock_error
from .events import EventWriter, protect_stdout

log = logging.getLogger("airlock_trainer")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad arguments still end in one error event."""

    def error(self, message: str):
        raise AirlockError("INVALID_INPUT", f"Bad trainer arguments: {message}", hint=self.format_usage().strip())


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="airlock_trainer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("devices", help="List the GPUs (or the CPU) training can use.")
    inspect_parser = commands.add_parser("inspect-model", help="Describe a local model folder.")
    inspect_parser.add_argument("folder")
    validate_parser = commands.add_parser("validate-config", help="Check a run config YAML file.")
    validate_parser.add_argument("config")
    media_parser = commands.add_parser("inspect-media", help="Open image and audio files as training will; describe each.")
    media_parser.add_argument("--files", required=True, help='JSON file: a list of {"path", "kind": "image"|"audio"}.')
    media_parser.add_argument("--out", required=True, help="JSON-lines file to write, one line per file.")
    lengths_parser = commands.add_parser("token-lengths", help="Token-length percentiles of a text column.")
    lengths_parser.add_argument("--model", required=True, help="Model folder whose tokenizer to use.")
    lengths_parser.add_argument("--data", required=True, help="CSV, TSV, JSONL or Parquet file.")
    lengths_parser.add_argument("--column", help="The text column (or --sft).")
    lengths_parser.add_argument("--sft", help='Fine-tuning rows instead: JSON {"format", "prompt_column", ...} as in data.')
    lengths_parser.add_argument("--sample", type=int, default=5000, help="Rows sampled at most.")
    predict_parser = commands.add_parser("predict", help="Label and probability from a saved model, for texts.")
    predict_parser.add_argument("--model", required=True, help="A saved model folder (a run's model/).")
    predict_parser.add_argument("--max-length", type=int, required=True, help="Truncate texts to this many tokens.")
    predict_parser.add_argument("--text", action="append", help="A text to predict; repeatable.")
    predict_parser.add_argument("--texts-file", help="A JSON file holding a list of texts to predict.")
    worker_parser = commands.add_parser("predict-worker", help="Keep a model loaded; answer JSON-line requests on stdin.")
    worker_parser.add_argument("--model", required=True, help="A saved model folder (a run's model/).")
    worker_parser.add_argument("--max-length", type=int, required=True, help="Truncate texts to this many tokens.")
    bundle_parser = commands.add_parser("bundle", help="Write a saved model as an MLflow model folder.")
    bundle_parser.add_argument("--model", required=True, help="A saved model folder (a run's model/).")
    bundle_parser.add_argument("--out", required=True, help="The folder to create.")
    bundle_parser.add_argument("--max-length", type=int, required=True, help="Truncation the pipeline applies.")
    bundle_parser.add_argument("--source-name", required=True, help="The model's name in the bundle, e.g. reviews-v3.")
    bundle_parser.add_argument("--base-model", required=True, help="The model it was fine-tuned from.")
    bundle_parser.add_argument("--merged", action="store_true",
                               help="Causal LMs with a LoRA adapter: fold it into the base weights (default: the adapter alone).")
    merge_parser = commands.add_parser("merge-lm", help="Write a LoRA adapter merged into its cached base model.")
    merge_parser.add_argument("--model", required=True, help="A LoRA adapter folder with airlock_base.json.")
    merge_parser.add_argument("--out", required=True, help="The folder to create.")
    preview_parser = commands.add_parser("preview-rows", help="The first training rows before and after data.preprocess.")
    preview_parser.add_argument("--config", required=True)
    preview_parser.add_argument("--rows", type=int, default=5)
    preflight_parser = commands.add_parser("preflight", help="Estimate a run's memory (full, LoRA, QLoRA) and CPU time; "
                                           "refuse a run its GPU cannot hold.")
    preflight_parser.add_argument("config")
    train_parser = commands.add_parser("train", help="Fine-tune a text model (classification, multi-label or regression).")
    train_parser.add_argument("--config", required=True)
    train_parser.add_argument("--run-dir", required=True)
    train_parser.add_argument("--run-id", required=True)
    train_parser.add_argument("--resume", action="store_true")
    sync_parser = commands.add_parser("sync", help="Send runs recorded offline to an MLflow tracking server (MLFLOW_* env).")
    sync_parser.add_argument("--job", required=True, help="The job file the sync service wrote: the items to send.")
    check_parser = commands.add_parser("cluster-check", help="Before a cluster job trains: the job's files match "
                                       "MANIFEST.sha256, and the master's address is usable from this node.")
    check_parser.add_argument("--job", required=True, help="The job folder `airlock cluster export` wrote.")
    check_parser.add_argument("--node-rank", type=int, required=True)
    check_parser.add_argument("--master-addr", required=True)
    check_parser.add_argument("--master-port", type=int, required=True)
    check_parser.add_argument("--timeout", type=float, required=True, help="Seconds to wait for the master (or, on node 0, for the others).")
    check_parser.add_argument("--nnodes", type=int, default=1, help="Nodes in the job: node 0 waits until the others reached it.")
    seal_parser = commands.add_parser("cluster-seal", help="Write out/MANIFEST.sha256 over a cluster job's out/ folder.")
    seal_parser.add_argument("--out", required=True)
    return parser


# Commands whose stdout is a cluster run's events.jsonl: nothing is written there when they succeed.
QUIET_COMMANDS = ("cluster-check", "cluster-seal")


def run_command(args: argparse.Namespace, writer: EventWriter) -> None:
    """Runs one command, writing its events; raises on failure."""
    started = time.monotonic()
    if args.command == "devices":
        from .devices import list_devices

        writer.emit("devices", **list_devices())
    elif args.command == "inspect-model":
        from .inspect import model_info

        writer.emit("model_info", info=model_info(args.folder))
    elif args.command == "token-lengths":
        from .token_lengths import sft_token_lengths, token_lengths

        if args.sft:
            writer.emit("token_lengths", **sft_token_lengths(args.model, args.data, json.loads(args.sft), args.sample))
        elif args.column:
            writer.emit("token_lengths", **token_lengths(args.model, args.data, args.column, args.sample))
        else:
            raise AirlockError("INVALID_INPUT", "token-lengths needs --column or --sft.")
    elif args.command == "inspect-media":
        from .media_inspect import inspect_media

        details = inspect_media(args.files, args.out, writer)
        writer.finished("completed", duration_s=time.monotonic() - started, details=details)
        return
    elif args.command == "validate-config":
        from .config import load_config
        from .model_limits import check_config_model

        check_config_model(load_config(args.config), args.config)
    elif args.command == "preview-rows":
        from .preview_rows import preview

        preview(args.config, args.rows, writer)
    elif args.command == "preflight":
        from .preflight import preflight_command

        preflight_command(args.config, writer)
    elif args.command == "predict":
        from .predict import predict

        predict(args, writer)
        return
    elif args.command == "predict-worker":
        from .predict_worker import serve

        serve(args, writer)
        return
    elif args.command == "bundle":
        from .bundle import write_bundle

        write_bundle(args, writer)
        return
    elif args.command == "merge-lm":
        from .lm_load import write_merged

        details = write_merged(args.model, args.out)
        writer.finished("completed", duration_s=time.monotonic() - started, details=details)
        return
    elif args.command == "train":
        from .train import train

        train(args, writer)
        return
    elif args.command == "cluster-check":
        from .cluster_check import cluster_check, job_run_id

        writer.run_id = job_run_id(args.job)
        cluster_check(args.job, args.node_rank, args.master_addr, args.master_port, args.timeout, args.nnodes)
        return
    elif args.command == "cluster-seal":
        from .cluster_check import seal

        log.info("sealed %s: %d files", args.out, seal(args.out))
        return
    elif args.command == "sync":
        from .sync import run_sync

        details = run_sync(args.job, writer)
        writer.finished("completed", duration_s=time.monotonic() - started, details=details)
        return
    writer.finished("completed", duration_s=time.monotonic() - started)


def main(argv: list[str] | None = None) -> int:
    """Entry point: protects stdout, runs the command, turns failures into one error event."""
    from .devices import prefer_sleeping_threads

    prefer_sleeping_threads()  # before any command imports torch
    from .distributed import global_rank, launcher

    events_stream = protect_stdout()
    rank = global_rank()
    where = f"[rank {rank}]" if launcher() else ""  # the ranks of one run share a log: say whose line it is
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s %(name)s{where}: %(message)s")
    for name in ("lightning.pytorch", "lightning.fabric"):
        logging.getLogger(name).propagate = False  # Lightning has its own stderr handler
    writer = EventWriter(events_stream)
    try:
        try:
            args = _parser().parse_args(argv)
        except SystemExit as exit_request:  # --help: argparse printed the help (to stderr, as fd 1 is protected)
            if exit_request.code not in (0, None):
                raise
            writer.finished("completed", duration_s=0.0)
            return 0
        writer.run_id = getattr(args, "run_id", None)
        # Training on several processes: only global rank 0 writes events. Other commands (a node check run by
        # srun on every node, say) speak on every process.
        writer.muted = args.command == "train" and rank != 0
        run_command(args, writer)
        if writer.terminal is None and args.command in QUIET_COMMANDS:
            return 0
    except BaseException as error:  # noqa: BLE001 - every failure must become one error event
        # to_airlock_error names the code: a failed collective of a multi-process run (gloo's "Connection closed
        # by peer", a process-group timeout, torch's DistBackendError) is RANK_LOST, naming the ranks gone.
        if isinstance(error, SystemExit) and writer.terminal:
            raise
        airlock_error = to_airlock_error(error)
        if not isinstance(error, AirlockError):
            traceback.print_exception(error, file=sys.stderr)
        else:
            log.error("%s: %s", airlock_error.code, airlock_error.message)
        writer.error(airlock_error.payload())
    if writer.terminal is None:
        writer.error(AirlockError("INTERNAL_ERROR", "The trainer stopped without reporting a result.").payload())
    return 0 if writer.terminal == "finished" else 1


def exit_now(code: int) -> None:
    """Ends the process once the terminal event is out, skipping the interpreter's teardown.

    After a training run, freeing the model, the datasets and the libraries' state object by object
    takes seconds (measured: 2-3 s on a 2-core machine) that nobody waits for usefully. The exit
    handlers (logging's flush, a profiler's report) still run first.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
