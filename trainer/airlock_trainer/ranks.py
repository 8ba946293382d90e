"""The ranks of a multi-process run: who they are (gathered at the start), and which are gone when a collective fails.

A rank that dies (killed, out of memory, its machine lost) makes the others' next collective fail at once (gloo:
"Connection closed by peer") or after the process group's timeout (a hung rank). Rank 0 then reports RANK_LOST,
naming the ranks whose process has ended on this host or whose address the error names, and the timeout.
"""

from __future__ import annotations

import os
import re
import socket

from .errors import AirlockError

# What this process learnt at the start of training: every rank's host, address and process id; the timeout.
ROSTER: list[dict] = []
_TIMEOUT_S: list[int] = []
CHILD_GRACE_S = 10


def remember_timeout(seconds: int) -> None:
    """The process group's timeout, for the RANK_LOST message."""
    _TIMEOUT_S[:] = [seconds]


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


def keep_rank_zero_alive() -> None:
    """Puts _watch_children in the place of Lightning's child-process observer (see there why)."""
    import lightning.pytorch.strategies.launchers.subprocess_script as launcher_module

    launcher_module._launch_process_observer = _watch_children


def share_roster(trainer) -> list[dict]:
    """Every rank's {rank, host, address, pid}, gathered once at the start so a lost rank can be named later."""
    alone = trainer.world_size == 1  # no peer to reach: no address to look up (a lookup can wait on a missing DNS)
    me = {"rank": int(trainer.global_rank), "host": socket.gethostname(), "address": "" if alone else _own_address(),
          "pid": os.getpid()}
    if not alone:
        import torch.distributed as dist

        gathered: list = [None] * trainer.world_size
        dist.all_gather_object(gathered, me)
        ROSTER[:] = gathered
    else:
        ROSTER[:] = [me]
    return list(ROSTER)


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
    if len(ROSTER) < 2:
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
                                                         f"process {item['pid']}" for item in ROSTER])


def _ranks_gone(text: str) -> list[dict]:
    """Ranks whose process has ended on this host, or whose address the error names."""
    me, host = os.getpid(), socket.gethostname()
    gone = []
    for item in ROSTER:
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
    """The error's own words, without gloo's generic advice ("This is typically caused by ...")."""
    line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    line = line.split(" This is typically caused", 1)[0]
    return f"({line[:300]})"
