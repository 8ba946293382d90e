"""Where this process stands in a run of several processes: who launched it, its rank, and the world's size.

Three launchers start training processes, and each says so in the environment before Lightning starts:
torchrun (TORCHELASTIC_RUN_ID, RANK, LOCAL_WORLD_SIZE, WORLD_SIZE), SLURM's srun (SLURM_NTASKS, SLURM_PROCID,
SLURM_NNODES; a job named bash or interactive is not an srun task, as Lightning's SLURMEnvironment decides), and
Lightning's own launcher, which re-runs this command for local ranks 1.. with LOCAL_RANK (and NODE_RANK) set.
The rank is read here, without torch, so that a process other than global rank 0 stays silent from its first
line: only rank 0 writes events.
"""

from __future__ import annotations

import os
import re

from .errors import AirlockError

TORCHRUN, SLURM, LIGHTNING = "torchrun", "slurm", "lightning"


def launcher() -> str | None:
    """Which launcher started this process: torchrun, slurm, lightning (a child of Lightning's launcher) or None."""
    env = os.environ
    if "TORCHELASTIC_RUN_ID" in env or ("RANK" in env and "LOCAL_WORLD_SIZE" in env):
        return TORCHRUN
    if "SLURM_NTASKS" in env and env.get("SLURM_JOB_NAME") not in ("bash", "interactive"):
        return SLURM
    if "LOCAL_RANK" in env:
        return LIGHTNING
    return None


def global_rank() -> int:
    """This process's rank in the whole run (0 when it runs alone or is the process that starts the others)."""
    env, started_by = os.environ, launcher()
    if started_by == TORCHRUN:
        return int(env.get("RANK", "0"))
    if started_by == SLURM:
        return int(env.get("SLURM_PROCID", "0"))
    if started_by == LIGHTNING:
        # Lightning's children know their node and local rank; any non-zero one is not global rank 0.
        local, node = int(env.get("LOCAL_RANK", "0")), int(env.get("NODE_RANK", "0"))
        per_node = int(env.get("LOCAL_WORLD_SIZE", "0")) or max(1, local + 1)
        return node * per_node + local
    return 0


def _first_count(value: str) -> int:
    """SLURM's per-node counts read '2' or '2(x3)' (2 tasks on each of 3 nodes): the first count."""
    match = re.match(r"\d+", value or "")
    return int(match.group()) if match else 0


def launched_world() -> dict | None:
    """The world an external launcher (torchrun, SLURM) set up: {launcher, world_size, num_nodes, per_node};
    None when no external launcher started this process (Lightning's own launcher follows the config)."""
    env, started_by = os.environ, launcher()
    if started_by == TORCHRUN:
        world = int(env.get("WORLD_SIZE", "1"))
        per_node = int(env.get("LOCAL_WORLD_SIZE", str(world)))
    elif started_by == SLURM:
        world = int(env["SLURM_NTASKS"])
        nodes = int(env.get("SLURM_NNODES", "1") or 1)
        per_node = _first_count(env.get("SLURM_NTASKS_PER_NODE", "")) or max(1, world // max(1, nodes))
    else:
        return None
    return {"launcher": started_by, "world_size": world, "per_node": per_node,
            "num_nodes": max(1, world // max(1, per_node))}


def check_world(training: dict, world: dict | None = None) -> None:
    """CLUSTER_WORLD_MISMATCH when the config's nodes × processes per node is not the world the launcher started,
    or when the config spans several nodes and no launcher started this process; checked before any work,
    so no process waits for ranks that will never come."""
    world = world or launched_world()
    if world is None:
        if training["num_nodes"] > 1:
            raise AirlockError("CLUSTER_WORLD_MISMATCH", f"training.num_nodes is {training['num_nodes']}, but this "
                               "process was not started by torchrun or SLURM, so no other machine will join it.",
                               hint="Run it through the cluster job's launch_torchrun.sh or job.sbatch, or set "
                                    "training.num_nodes to 1.", field="training.num_nodes")
        return
    per_node, nodes = world["per_node"], world["num_nodes"]
    devices = training["devices"] if isinstance(training["devices"], int) else per_node
    expected = training["num_nodes"] * devices
    if expected != world["world_size"] or devices != per_node:
        raise AirlockError(
            "CLUSTER_WORLD_MISMATCH",
            f"The config asks for {training['num_nodes']} node(s) × {devices} process(es) per node = {expected} "
            f"processes, but {world['launcher']} started {world['world_size']} processes ({nodes} node(s) × "
            f"{per_node} per node).",
            hint="Make training.num_nodes and training.devices match the launcher's node count and processes per "
                 "node (torchrun --nnodes/--nproc-per-node, SLURM --nodes/--ntasks-per-node), or export the job again.",
            field="training.num_nodes")
