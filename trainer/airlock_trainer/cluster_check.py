"""Checks a node before a cluster job trains, and seals the job's out/ folder once it has.

`cluster-check` runs on every node before torchrun or srun starts the trainer: the job folder's files
match MANIFEST.sha256 (a node with a stale or damaged copy is refused before any GPU work), and the
master's address is usable: node 0 can listen on it, and every other node can reach it within the
timeout. Node 0 keeps listening until the other nodes have reached it (or the timeout passes), so the
check works the same under SLURM, where every node's check runs before the training step starts.

`cluster-seal` writes out/MANIFEST.sha256 so that `airlock runs import` can tell the folder is whole.

Both are quiet on success: node 0's stdout is the run's events.jsonl, where only the trainer's
events (and a failed check's one error event) belong.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import time

from .base_digest import file_sha256
from .errors import AirlockError

MANIFEST = "MANIFEST.sha256"
GREETING = b"airlock-cluster-check 2\n"
HELLO_LIMIT = 256
RETRY_S = 0.5


def read_manifest(path: str) -> list[tuple[str, str]]:
    """The (sha256, path) lines of a sha256sum file; paths relative to its folder or absolute."""
    entries = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line:
                continue
            digest, sep, name = line.partition("  ")
            if not sep or len(digest) != 64:
                raise AirlockError("JOB_FOLDER_INVALID", f"{path} line {number} is not a sha256sum line: {line[:80]!r}.",
                                   hint="Export the job again with `airlock cluster export`.")
            entries.append((digest.lower(), name))
    return entries


def verify_job(job: str) -> None:
    """Every file MANIFEST.sha256 lists exists and has its hash; JOB_FILE_CHANGED names the first that does not."""
    manifest = os.path.join(job, MANIFEST)
    if not os.path.isfile(manifest):
        raise AirlockError("JOB_FOLDER_INVALID", f"{job} has no {MANIFEST}: it is not a job folder written by `airlock cluster export`.",
                           hint="Run this in the job folder that `airlock cluster export` wrote, copied whole.")
    for digest, name in read_manifest(manifest):
        path = name if os.path.isabs(name) else os.path.join(job, name)
        if not os.path.isfile(path):
            raise AirlockError("JOB_FILE_CHANGED", f"{name} is missing from the job folder on this node.",
                               hint="Copy the whole job folder (and, with --shared-path, the data and model files) to every node again.",
                               field=name)
        if file_sha256(path) != digest:
            raise AirlockError("JOB_FILE_CHANGED", f"{name} differs from the file that was exported (its SHA-256 changed).",
                               hint="Copy the job folder again from the workstation, or export a new job; do not edit files in it.",
                               field=name)


def _is_local_address(address: str) -> bool:
    try:
        infos = socket.getaddrinfo(address, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    for family, _, _, _, sockaddr in infos:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.bind((sockaddr[0], 0))
            return True
        except OSError:
            continue
    return False


def _listen(address: str, port: int) -> socket.socket:
    """A socket listening on address:port; MASTER_ADDRESS_INVALID when this node cannot."""
    if not _is_local_address(address):
        raise AirlockError("MASTER_ADDRESS_INVALID",
                           f"Node 0 cannot listen on {address}:{port}: {address} is not an address of this node ({socket.gethostname()}).",
                           hint="Set MASTER_ADDR to an address of node 0 that the other nodes can reach (see `hostname -I` on node 0).",
                           field="MASTER_ADDR")
    family = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[0][0]
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        # Every interface, as torchrun's store does: a host name may resolve to 127.0.1.1 here and to the
        # node's network address on the others.
        server.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
        server.listen(64)
    except OSError as error:
        server.close()
        taken = error.errno == errno.EADDRINUSE
        raise AirlockError("MASTER_ADDRESS_INVALID",
                           f"Node 0 cannot listen on {address}:{port}: "
                           + ("the port is taken by another process." if taken else f"{error.strerror or error}."),
                           hint="Pick a free MASTER_PORT (for example 29500-29999) on node 0." if taken
                           else "Set MASTER_ADDR and MASTER_PORT to an address and port node 0 may listen on.",
                           field="MASTER_PORT" if taken else "MASTER_ADDR")
    return server


def serve_peers(address: str, port: int, nnodes: int, timeout_s: float, job: tuple[str, str] = ("-", "-")) -> None:
    """Node 0: listens on the master's address until nodes 1..nnodes-1 have said hello, or the timeout passes.

    Each hello names the node's job (run id and config SHA-256): a node started from another job folder (a
    re-export copied to some nodes only) is refused at once, on both sides, instead of hanging at the rendezvous.
    """
    server = _listen(address, port)
    waiting = set(range(1, nnodes))
    deadline = time.monotonic() + timeout_s
    try:
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                missing = ", ".join(str(rank) for rank in sorted(waiting))
                raise AirlockError("MASTER_UNREACHABLE",
                                   f"Node{'s' if len(waiting) > 1 else ''} {missing} did not reach the master {address}:{port} "
                                   f"within {timeout_s:g} s.",
                                   hint="Start the launcher on every node with the same MASTER_ADDR and MASTER_PORT; check firewalls "
                                        "between the nodes, or raise AIRLOCK_CONNECT_TIMEOUT_S.", field="MASTER_ADDR")
            server.settimeout(left)
            try:
                peer, _ = server.accept()
            except socket.timeout:
                continue
            with peer:
                peer.settimeout(5)
                try:
                    peer.sendall(GREETING)
                    hello = peer.makefile("rb").readline(HELLO_LIMIT).decode("ascii", "replace").split()
                except OSError:
                    continue
                if len(hello) != 4 or hello[0] != "node" or not hello[1].isdigit():
                    continue
                rank, theirs = int(hello[1]), (hello[2], hello[3])
                if theirs != job:
                    try:
                        peer.sendall(f"refused {job[0]} {job[1]}\n".encode("ascii"))
                    except OSError:
                        pass
                    raise AirlockError("JOB_FILE_CHANGED", f"Node {rank} was started from another job folder: {_job_words(theirs)}, "
                                       f"while node 0's is {_job_words(job)}.",
                                       hint="Copy the same job folder (the latest export) to every node, then start every node again.",
                                       field="job.json")
                try:
                    peer.sendall(b"ok\n")
                except OSError:
                    continue
                waiting.discard(rank)
    finally:
        server.close()


def _job_words(job: tuple[str, str]) -> str:
    return f"run id {job[0]}, config.yaml SHA-256 {job[1][:12]}"


def reach_master(node_rank: int, address: str, port: int, timeout_s: float, job: tuple[str, str] = ("-", "-")) -> None:
    """Node R > 0: connects to the master, retrying until the timeout; MASTER_UNREACHABLE names the node and address.

    JOB_FILE_CHANGED when node 0 answers that it runs another job."""
    started = time.monotonic()
    last_error = "no answer"
    while True:
        left = timeout_s - (time.monotonic() - started)
        if left <= 0:
            break
        try:
            with socket.create_connection((address, port), timeout=min(left, 5)) as connection:
                connection.settimeout(min(max(left, 1), 5))
                answer: list[str] = []
                try:
                    if connection.recv(len(GREETING)) == GREETING:
                        connection.sendall(f"node {node_rank} {job[0]} {job[1]}\n".encode("ascii"))
                        answer = connection.makefile("rb").readline(HELLO_LIMIT).decode("ascii", "replace").split()
                except OSError:
                    pass  # something else (torchrun's store) answers there: the master is reachable
                if answer[:1] == ["refused"] and len(answer) == 3:
                    raise AirlockError("JOB_FILE_CHANGED",
                                       f"Node {node_rank} was started from another job folder than node 0: this node's is "
                                       f"{_job_words(job)}, node 0's is {_job_words((answer[1], answer[2]))}.",
                                       hint="Copy the same job folder (the latest export) to every node, then start every node again.",
                                       field="job.json")
                return
        except OSError as error:
            last_error = error.strerror or str(error)
        time.sleep(min(RETRY_S, max(0.0, timeout_s - (time.monotonic() - started))))
    raise AirlockError("MASTER_UNREACHABLE",
                       f"Node {node_rank} could not reach the master {address}:{port} within {timeout_s:g} s "
                       f"(waited {time.monotonic() - started:.1f} s; last error: {last_error}).",
                       hint="Check MASTER_ADDR and MASTER_PORT (node 0's address and a port open between the nodes), "
                            "that node 0 was started, and the firewalls between the nodes.", field="MASTER_ADDR")


def _job_fields(job: str) -> dict:
    try:
        with open(os.path.join(job, "job.json"), encoding="utf-8") as handle:
            value = json.load(handle)
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def job_run_id(job: str) -> str | None:
    """The run id job.json names, for the events of a failed check; None when it cannot be read."""
    value = _job_fields(job).get("run_id")
    return value if isinstance(value, str) else None


def job_identity(job: str) -> tuple[str, str]:
    """(run id, config SHA-256) from job.json, as one word each ("-" when absent): what a node's hello names."""
    fields = _job_fields(job)
    words = []
    for key in ("run_id", "config_sha256"):
        value = fields.get(key)
        words.append(value if isinstance(value, str) and value and value.isascii() and not any(c.isspace() for c in value) else "-")
    return words[0], words[1]


def cluster_check(job: str, node_rank: int, master_addr: str, master_port: int, timeout_s: float, nnodes: int) -> None:
    """The node check: the job's files first, then the master's address. Raises AirlockError on the first problem."""
    verify_job(job)
    if not 0 < master_port < 65536:
        raise AirlockError("MASTER_ADDRESS_INVALID", f"MASTER_PORT {master_port} is not a TCP port (1-65535).", field="MASTER_PORT")
    if node_rank == 0:
        serve_peers(master_addr, master_port, nnodes, timeout_s, job_identity(job))
    else:
        reach_master(node_rank, master_addr, master_port, timeout_s, job_identity(job))


def seal(out: str) -> int:
    """Writes out/MANIFEST.sha256 (every file but itself, paths relative to out/) by rename; returns the file count."""
    if not os.path.isdir(out):
        raise AirlockError("FILE_NOT_FOUND", f"The folder {out} does not exist.", hint="Give the job's out/ folder.")
    lines = []
    for root, folders, files in os.walk(out):
        folders.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, out).replace(os.sep, "/")
            if relative == MANIFEST or relative.startswith(f"{MANIFEST}.") or not os.path.isfile(path) or os.path.islink(path):
                continue
            lines.append(f"{file_sha256(path)}  {relative}\n")
    temporary = os.path.join(out, f"{MANIFEST}.partial")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.writelines(lines)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, os.path.join(out, MANIFEST))
    return len(lines)
