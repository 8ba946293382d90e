"""How one run spreads over processes: Lightning's Trainer arguments and strategy, and the run's end on every rank.

Both training paths (train.py, causal_lm.py) build their Trainer's accelerator, devices, num_nodes and strategy
here, so a classifier and a causal LM split their work the same way. Every collective waits at most
training.distributed_timeout_s (the process group's timeout), so a rank that dies never leaves the others
waiting forever (ranks.py turns the error that follows into RANK_LOST).
"""

from __future__ import annotations

from datetime import timedelta

from .distributed import SLURM, launcher
from .errors import AirlockError
from .network import choose_gloo_interface
from .ranks import ROSTER, cluster_environment, keep_rank_zero_alive, remember_timeout


def trainer_arguments(config: dict, runtime: dict) -> dict:
    """pl.Trainer's accelerator, devices, num_nodes and strategy for a runtime from devices.choose_runtime."""
    training = config["training"]
    world = runtime["devices"] * runtime["num_nodes"]
    remember_timeout(training["distributed_timeout_s"])
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
    if backend == "gloo":
        choose_gloo_interface()
    timeout = timedelta(seconds=training["distributed_timeout_s"])
    keep_rank_zero_alive()
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
            "ranks": [f"{item['host']}:{item['pid']}" for item in ROSTER]}
