"""What the trainer can compute on: GPUs, the CPU, thread count, and the precision to use."""

from __future__ import annotations

import os
import platform

from .errors import AirlockError


def cpu_threads() -> int:
    """Threads for torch on the CPU: OMP_NUM_THREADS when set, else the physical cores this process may use."""
    configured = os.environ.get("OMP_NUM_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        allowed = sorted(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows
        return max(1, (os.cpu_count() or 2) // 2)
    cores = set()
    for cpu in allowed:
        try:
            with open(f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list", encoding="ascii") as handle:
                cores.add(handle.read().strip())
        except OSError:
            cores.add(str(cpu))
    return max(1, len(cores))


def training_threads(runtime: dict) -> int:
    """Threads for each training process: on the CPU, several processes of one machine share its cores (unless
    OMP_NUM_THREADS, which torchrun sets too, already says how many each gets)."""
    configured = os.environ.get("OMP_NUM_THREADS", "")
    if runtime["accelerator"] != "cpu" or (configured.isdigit() and int(configured) > 0):
        return cpu_threads()
    return max(1, cpu_threads() // max(1, runtime["devices"]))


def prefer_sleeping_threads() -> None:
    """Idle OpenMP threads sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE), unless the environment says otherwise.

    With spinning waits, torch's threads burn their cores waiting for a sibling the OS has put aside
    whenever another program wants a core: on the 2-core build machine, with other processes keeping
    about 1.5 cores busy, 2 threads trained at 20 samples/s against 75 for 1 thread; with sleeping
    waits 2 threads gave 85.5 against 82.9 (tests/bench/threads.py, docs/benchmarks.md). libgomp
    reads the variable once, so this must run before torch is imported.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def loader_workers(runtime: dict) -> int:
    """DataLoader worker processes for one device.

    None on the CPU: padding a batch takes a few milliseconds, and workers would compete with
    torch's threads for the same cores. On GPUs the host must keep up with fast steps, so each
    device gets workers from the cores left once every device has its main process (at most 4:
    more only add start-up time).
    """
    if runtime["accelerator"] != "cuda":
        return 0
    spare = cpu_threads() // max(1, runtime["devices"]) - 1
    return max(0, min(4, spare))


def tune_cuda(torch, runtime: dict) -> None:
    """TF32 tensor cores for float32 matmuls on Ampere or newer GPUs (10-bit mantissa products, fp32
    sums: the precision PyTorch itself recommends for training); mixed precision does the rest."""
    if runtime["accelerator"] != "cuda":
        return
    if all(torch.cuda.get_device_capability(index)[0] >= 8 for index in range(runtime["devices"])):
        torch.set_float32_matmul_precision("high")


def cpu_name() -> str:
    """A readable CPU model name."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def memory_bytes() -> int | None:
    """Physical memory of this machine, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def cpu_only_reason(torch) -> str | None:
    """Why no GPU is used, in plain words, or None when CUDA works."""
    if torch.cuda.is_available():
        return None
    if torch.version.cuda is None:
        return "PyTorch was built without CUDA (CPU-only build)"
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return "CUDA_VISIBLE_DEVICES hides every GPU"
    if not any(os.path.exists(path) for path in ("/dev/nvidiactl", "/proc/driver/nvidia/version")) and os.name != "nt":
        return "No NVIDIA driver found"
    return "No usable NVIDIA GPU found (the driver may be too old for this PyTorch build)"


def list_devices() -> dict:
    """The payload of a `devices` event."""
    import torch

    devices = []
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            props = torch.cuda.get_device_properties(index)
            devices.append({
                "index": index, "kind": "cuda", "name": props.name, "memory_bytes": int(props.total_memory),
                "compute_capability": f"{props.major}.{props.minor}", "bf16": props.major >= 8,
            })
    reason = cpu_only_reason(torch)
    if not devices:
        flags = _cpu_flags()
        devices.append({
            "index": 0, "kind": "cpu", "name": cpu_name(), "memory_bytes": memory_bytes(),
            "compute_capability": None, "bf16": bool(flags & {"avx512_bf16", "amx_bf16"}),
        })
    return {"devices": devices, "cuda_available": torch.cuda.is_available(), "cpu_only_reason": reason,
            "torch_version": torch.__version__, "cuda_version": torch.version.cuda, "cpu_threads": cpu_threads()}


def choose_runtime(training: dict) -> dict:
    """Accelerator, processes per node, nodes, precision and device name for the training section of a config.

    Under torchrun or SLURM the launcher has already decided how many processes run on each node: they
    train on the GPUs when CUDA works, else on the CPU (gloo), and a config that counts another world
    is refused (CLUSTER_WORLD_MISMATCH) before any process waits for ranks that will never come.
    """
    import torch

    from .distributed import check_world, launched_world

    world = launched_world()
    if world is not None:
        return _launched_runtime(torch, training, world)
    check_world(training, None)
    wanted, precision, accelerator = training["devices"], training["precision"], training["accelerator"]
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if accelerator == "cpu" or wanted == "cpu" or (wanted == "auto" and gpus == 0 and accelerator == "auto"):
        # accelerator cpu with devices N: N processes on this machine (DDP over gloo); devices cpu: one.
        processes = wanted if accelerator == "cpu" and isinstance(wanted, int) else 1
        return _cpu_runtime(precision, processes, 1)
    count = gpus if wanted == "auto" else int(wanted)
    if count > gpus or count == 0:
        raise AirlockError("CUDA_UNAVAILABLE", f"training.devices asks for {count or 'any'} GPU(s) but {gpus} can be used"
                           + (f" ({cpu_only_reason(torch)})." if gpus == 0 else "."),
                           hint="Set training.devices to auto or cpu, or to the number of GPUs this machine has.",
                           field="training.devices")
    return _cuda_runtime(torch, precision, count, 1)


def _cpu_runtime(precision: str, processes: int, nodes: int) -> dict:
    if precision == "16-mixed":
        raise AirlockError("CONFIG_INVALID", "16-mixed precision needs a GPU.", field="training.precision",
                           hint="Use precision auto, 32-true or bf16-mixed when training on the CPU.")
    return {"accelerator": "cpu", "devices": processes, "num_nodes": nodes, "device_name": cpu_name(),
            "precision": "32-true" if precision == "auto" else precision}


def _cuda_runtime(torch, precision: str, count: int, nodes: int) -> dict:
    bf16 = all(torch.cuda.get_device_properties(index).major >= 8 for index in range(count))
    if precision == "auto":
        precision = "bf16-mixed" if bf16 else "16-mixed"
    elif precision == "bf16-mixed" and not bf16:
        raise AirlockError("CONFIG_INVALID", "This GPU does not support bf16.", field="training.precision",
                           hint="Use precision auto or 16-mixed on this GPU.")
    return {"accelerator": "cuda", "devices": count, "num_nodes": nodes, "device_name": torch.cuda.get_device_name(0),
            "precision": precision}


def _launched_runtime(torch, training: dict, world: dict) -> dict:
    """The runtime torchrun or SLURM set up: its processes per node and nodes, checked against the config."""
    from .distributed import check_world

    check_world(training, world)
    per_node, nodes = world["per_node"], world["num_nodes"]
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if training["accelerator"] != "cpu" and training["devices"] != "cpu" and gpus >= per_node:
        return _cuda_runtime(torch, training["precision"], per_node, nodes)
    if training["accelerator"] == "gpu":
        raise AirlockError("CUDA_UNAVAILABLE", f"training.accelerator is gpu, but this node has {gpus} usable GPU(s) "
                           f"for {per_node} processes" + (f" ({cpu_only_reason(torch)})." if gpus == 0 else "."),
                           hint="Set training.accelerator to auto (the CPU where there are no GPUs) or start fewer "
                                "processes per node.", field="training.accelerator")
    return _cpu_runtime(training["precision"], per_node, nodes)
