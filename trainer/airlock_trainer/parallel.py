"""How one run spreads over processes: Lightning's Trainer arguments, the roster of ranks, and a rank that is gone.

Both training paths (train.py, causal_lm.py) build their Trainer's accelerator, devices, num_nodes and strategy
here, so a classifier and a causal LM split their work the same way. Every collective waits at most
training.distributed_timeout_s (the process group's timeout), so a rank that dies never leaves the others
waiting forever; the error that follows is reported as RANK_LOST, naming the ranks that are gone.
"""

from __future__ import annotations

import os
import re
import socket
from datetime import timedelta

from .distributed import SLURM, launcher
from .errors import AirlockError

# What this process learnt at the start of training: every rank's host, address and process id, the timeout.
_ROSTER: list[dict] = []
_TIMEOUT_S: list[int] = []
CHILD_GRACE_S = 10


def trainer_arguments(config: dict, runtime: dict) -> dict:
    """pl.Trainer's accelerator, devices, num_nodes and strategy for a runtime from devices.choose_runtime."""
    training = config["training"]
    world = runtime["devices"] * runtime["num_nodes"]
    _TIMEOUT_S[:] = [training["distributed_timeout_s"]]
    arguments = {"accelerator": "gpu" if runtime["accelerator"] == "cuda" else "cpu", "devices": runtime["devices"],
                 "num_nodes": runtime["num_nodes"], "strategy": "auto"}
    if world == 1:
        return arguments
    if launcher() == SLURM:
        # Requeue belongs to the job script (its USR1 trap) and resume to last.ckpt: Lightning's own SLURM requeue
        # would write checkpoints of its own into the run folder and restore from them unasked.
        from lightning.fabric.plugins.environments import SLURMEnvironment

        arguments["plugins"] = [SLURMEnvironment(auto_requeue=False)]
    backend = "nccl" if runtime["accelerator"] == "cuda" else "gloo"
    timeout = timedelta(seconds=training["distributed_timeout_s"])
    _keep_rank_zero_alive()
    if strategy_name(training, runtime) == "fsdp":
        from .lm_model import finetuning_method

        if runtime["accelerator"] != "cuda":
            raise AirlockError("CONFIG_INVALID", "training.strategy fsdp shards a model over GPUs; this run trains on "
                               "the CPU.", hint="Set training.strategy to auto or ddp.", field="training.strategy")
        if finetuning_method(config) != "full":
            raise AirlockError("CONFIG_INVALID", "training.strategy fsdp shards every weight of a model trained whole; "
                               f"this run trains {finetuning_method(config)} adapters, which ddp already keeps small.",
                               hint="Set training.strategy to ddp, or training.finetuning to full.",
                               field="training.strategy")
        from lightning.pytorch.strategies import FSDPStrategy

        arguments["strategy"] = FSDPStrategy(process_group_backend=backend, timeout=timeout)
    else:
        from lightning.pytorch.strategies import DDPStrategy

        arguments["strategy"] = DDPStrategy(process_group_backend=backend, timeout=timeout)
    return arguments


def _watch_children(children: list) -> None:
    """Stands in for Lightning's child-process observer, which SIGKILLs the main process (rank 0) as soon as a child
    ends with a non-zero code: rank 0 would then die before saying why. Instead rank 0's next collective fails
    (the peer's connection closes) or times out, and rank 0 reports RANK_LOST. When rank 0 ends, a child that
    is still there (hung, or stopped) is ended with it, so no process outlives the run."""
    import atexit

    atexit.register(_end_children, children)


def _end_children(children: list) -> None:
    for child in children:
        try:
            child.wait(timeout=CHILD_GRACE_S)  # a child that got the same error or cancel ends by itself
        except Exception:  # noqa: BLE001 - subprocess.TimeoutExpired: it will not
            child.kill()
            child.wait()


def _keep_rank_zero_alive() -> None:
    import lightning.pytorch.strategies.launchers.subprocess_script as launcher_module

    launcher_module._launch_process_observer = _watch_children


def make_trainer(pl, config: dict, runtime: dict, callbacks: list, run_dir: str):
    """The pl.Trainer both training paths use: the runtime's devices and strategy, Airlock's own checkpoints and
    events (no Lightning logger, progress bar or checkpointing), batches sharded by the data module itself."""
    training = config["training"]
    return pl.Trainer(
        **trainer_arguments(config, runtime), precision=runtime["precision"], max_epochs=training["max_epochs"],
        max_steps=training["max_steps"] or -1, accumulate_grad_batches=training["accumulate_grad_batches"],
        callbacks=callbacks, logger=False, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False, num_sanity_val_steps=0, default_root_dir=run_dir, use_distributed_sampler=False)


def sharded(trainer) -> bool:
    """Whether the strategy keeps only a shard of the weights in each process (FSDP)."""
    from lightning.pytorch.strategies import FSDPStrategy

    return isinstance(trainer.strategy, FSDPStrategy)


def whole_weights(trainer) -> dict | None:
    """The model's weights gathered whole, keyed as module.model's own state_dict, for saving when FSDP shards them;
    None when the module in memory already holds them whole. Every rank calls it together; rank 0 gets them.
    (Not run in the tests: FSDP needs several GPUs.)"""
    if not sharded(trainer):
        return None
    state = trainer.strategy.lightning_module_state_dict()
    return {name[len("model."):]: value for name, value in state.items() if name.startswith("model.")}


def load_whole_weights(trainer, module, state: dict, strict: bool) -> None:
    """Loads a checkpoint's whole state_dict into the module, through FSDP's full-state view when it is sharded."""
    if not sharded(trainer):
        module.load_state_dict(state, strict=strict)
        return
    from torch.distributed.fsdp import FullyShardedDataParallel, StateDictType

    with FullyShardedDataParallel.state_dict_type(trainer.strategy.model, StateDictType.FULL_STATE_DICT):
        trainer.strategy.model.load_state_dict(state, strict=strict)


def strategy_name(training: dict, runtime: dict) -> str:
    """The strategy a run uses, in Lightning's words: ddp or fsdp on several processes, single_device on one."""
    if runtime["devices"] * runtime["num_nodes"] == 1:
        return "single_device"
    return "ddp" if training["strategy"] == "auto" else training["strategy"]


def world_facts(training: dict, runtime: dict) -> dict:
    """How the work is split, for the started event and the finished details."""
    world = runtime["devices"] * runtime["num_nodes"]
    return {"num_nodes": runtime["num_nodes"], "world_size": world, "strategy": strategy_name(training, runtime),
            "effective_batch_size": training["batch_size"] * world * training["accumulate_grad_batches"]}


def end_of_run(trainer, training: dict, runtime: dict) -> dict:
    """After rank 0 saved the model: every rank meets once more (so none ends while rank 0 still needs it), rank 0
    waits (bounded) for the processes Lightning's launcher started, and the world facts for the finished details."""
    if trainer.world_size > 1:
        trainer.strategy.barrier("airlock.end_of_run")
    children = getattr(trainer.strategy.launcher, "procs", None) or []
    for child in children:
        try:
            child.wait(timeout=training["distributed_timeout_s"])
        except Exception:  # noqa: BLE001 - a child that does not end in time is left to the closed connections
            pass
    return {**world_facts(training, runtime), "cluster_environment": cluster_environment(trainer),
            "ranks": [f"{item['host']}:{item['pid']}" for item in _ROSTER]}


def share_roster(trainer) -> list[dict]:
    """Every rank's {rank, host, address, pid}, gathered once at the start so a lost rank can be named later."""
    alone = trainer.world_size == 1  # no peer to reach: no address to look up (a lookup can wait on a missing DNS)
    me = {"rank": int(trainer.global_rank), "host": socket.gethostname(), "address": "" if alone else _own_address(),
          "pid": os.getpid()}
    if not alone:
        import torch.distributed as dist

        gathered: list = [None] * trainer.world_size
        dist.all_gather_object(gathered, me)
        _ROSTER[:] = gathered
    else:
        _ROSTER[:] = [me]
    return list(_ROSTER)


def cluster_environment(trainer) -> str:
    """The Lightning cluster environment that assigned the ranks (SLURMEnvironment, TorchElasticEnvironment, ...)."""
    environment = getattr(trainer.strategy, "cluster_environment", None)
    return type(environment).__name__ if environment is not None else "none"


def _own_address() -> str:
    """This host's address as the other ranks reach it (the interface towards MASTER_ADDR), else its name's."""
    master = os.environ.get("MASTER_ADDR")
    try:
        if master:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # no packet is sent by connect on UDP
                probe.connect((master, int(os.environ.get("MASTER_PORT", "1"))))
                return probe.getsockname()[0]
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return ""


# Messages of gloo, NCCL and the c10d store when a peer's connection or a collective fails.
_LOST_PATTERNS = ("gloo", "nccl", "c10d", "connection closed by peer", "connection reset by peer", "broken pipe",
                  "timed out")
_LOST_TYPES = ("DistBackendError", "DistNetworkError", "DistStoreError", "DistError")


def rank_lost_error(error: BaseException) -> AirlockError | None:
    """RANK_LOST when `error` is a failed collective of a multi-process run, naming the ranks that are gone."""
    if len(_ROSTER) < 2:
        return None
    chain, current = [], error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    text = " ".join(f"{type(item).__name__}: {item}" for item in chain)
    if not any(type(item).__name__ in _LOST_TYPES for item in chain) and not any(
            pattern in text.lower() for pattern in _LOST_PATTERNS):
        return None
    gone = _ranks_gone(text)
    timeout = f"{_TIMEOUT_S[0]} s" if _TIMEOUT_S else "the process group's timeout"
    who = (f"rank {gone[0]['rank']} ({gone[0]['host']}, process {gone[0]['pid']})" if len(gone) == 1 else
           "ranks " + ", ".join(f"{item['rank']} ({item['host']}, process {item['pid']})" for item in gone)
           if gone else "another rank")
    return AirlockError(
        "RANK_LOST", f"{who[0].upper() + who[1:]} stopped answering, so the run stopped (a process waits at most "
                     f"{timeout}, training.distributed_timeout_s, for the others). {_first_line(error)}",
        hint="Resume the run: it continues from its last checkpoint. If a node keeps failing, check its log "
             "(out of memory, a lost network link) before resuming.",
        field="training.distributed_timeout_s", details=[f"rank {item['rank']}: {item['host']} ({item['address']}), "
                                                         f"process {item['pid']}" for item in _ROSTER])


def _ranks_gone(text: str) -> list[dict]:
    """Ranks whose process has ended on this host, or whose address the error names."""
    me, host = os.getpid(), socket.gethostname()
    gone = []
    for item in _ROSTER:
        if item["pid"] == me and item["host"] == host:
            continue
        if item["host"] == host:
            if not _alive(item["pid"]):
                gone.append(item)
        elif item["address"] and re.search(rf"(?<![\d.]){re.escape(item['address'])}(?![\d])", text):
            gone.append(item)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child of this process stays a zombie until reaped: it is gone all the same
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def _first_line(error: BaseException) -> str:
    line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"({line[:300]})"
