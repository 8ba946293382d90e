"""Measure one benchmark contestant from inside its own process, the same way for all of them.

Usage: python probe.py RESULT_JSON (-m MODULE | SCRIPT) [ARGS...]

The probe installs hooks, then runs the contestant as `__main__` (runpy), so the
contestant's code is unchanged. It writes RESULT_JSON when the process ends.

- Optimizer steps: a global torch optimizer step post-hook timestamps every step,
  whoever wraps the optimizer (Lightning, accelerate, a plain loop).
- Samples and tokens: a forward pre-hook on the model's word-embedding table (the
  first nn.Embedding with a padding_idx) counts rows, padded tokens and real
  (non-pad) tokens of every training forward. Real-token counts stay on the
  device until the end, so the probe adds no GPU synchronisation.
- Training throughput is taken from the end of the first step to the end of the
  last one, leaving out any step interval in which an evaluation forward ran.
- Start-up: BENCH_SPAWN_TS (set by the parent just before it spawned this
  process) to the end of the first optimizer step.
- CPU share: CPU seconds this process used per wall second in the measured
  window, divided by torch's thread count; well under 1 on an idle machine
  means other processes took the cores (the throughput figures are then low).
- Memory: peak RSS of this process (getrusage) and, on CUDA, the peak allocated.
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import runpy
import sys
import time

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook


class Probe:
    """Counters shared by the hooks; written out once at exit."""

    def __init__(self, result_path: str) -> None:
        self.result_path = result_path
        self.pid = os.getpid()
        self.spawn_ts = float(os.environ.get("BENCH_SPAWN_TS", time.time()))
        self.samples = 0
        self.padded_tokens = 0
        self.real_tokens: torch.Tensor | int = 0
        self.eval_forwards = 0
        # One entry per optimizer step: (wall time, CPU time, samples, padded, real tokens, eval forwards so far).
        self.steps: list[tuple[float, float, int, int, torch.Tensor | int, int]] = []
        self.embedding_hooked = False
        self.global_hook = None

    def install(self) -> None:
        register_optimizer_step_post_hook(self.on_step)
        self.global_hook = nn.modules.module.register_module_forward_pre_hook(self.find_embedding)
        atexit.register(self.write)

    def find_embedding(self, module: nn.Module, args: tuple) -> None:
        """Global hook used once: attach a local hook to the word embeddings (or, for pictures and sound, the
        first convolution: a ViT's patch embedding, a Wav2Vec2's feature encoder), then step aside."""
        text = isinstance(module, nn.Embedding) and module.padding_idx is not None
        if self.embedding_hooked or not (text or isinstance(module, (nn.Conv1d, nn.Conv2d))):
            return
        self.embedding_hooked = True
        module.register_forward_pre_hook(self.count_batch if text else self.count_media_batch)
        self.global_hook.remove()
        (self.count_batch if text else self.count_media_batch)(module, args)

    def count_media_batch(self, module: nn.Module, args: tuple) -> None:
        """Rows of a picture or sound batch (no tokens to count)."""
        if not module.training:
            self.eval_forwards += 1
            return
        self.samples += int(args[0].shape[0])

    def count_batch(self, module: nn.Embedding, args: tuple) -> None:
        if not module.training:
            self.eval_forwards += 1
            return
        ids = args[0]
        self.samples += int(ids.shape[0]) if ids.dim() > 1 else 1
        self.padded_tokens += int(ids.numel())
        self.real_tokens = self.real_tokens + (ids != module.padding_idx).sum()

    def on_step(self, optimizer, args, kwargs) -> None:
        real = self.real_tokens.clone() if isinstance(self.real_tokens, torch.Tensor) else self.real_tokens
        self.steps.append((time.time(), time.process_time(), self.samples, self.padded_tokens, real, self.eval_forwards))

    def summary(self) -> dict:
        """Throughput over the training-only step intervals after the first step."""
        steps = [(t, c, s, p, int(r), e) for t, c, s, p, r, e in self.steps]
        seconds = cpu = samples = padded = real = 0.0
        for before, after in zip(steps, steps[1:]):
            if after[5] != before[5]:  # an evaluation ran inside this interval
                continue
            seconds += after[0] - before[0]
            cpu += after[1] - before[1]
            samples += after[2] - before[2]
            padded += after[3] - before[3]
            real += after[4] - before[4]
        result = {
            "optimizer_steps": len(steps),
            "measured_steps": max(len(steps) - 1, 0),
            "train_seconds": seconds,
            "samples_per_s": samples / seconds if seconds else None,
            "real_tokens_per_s": real / seconds if seconds else None,
            "padded_tokens_per_s": padded / seconds if seconds else None,
            "padding_share": 1 - real / padded if padded else None,
            "samples_seen": self.samples,
            "cpu_share": cpu / seconds / torch.get_num_threads() if seconds else None,
            "startup_to_first_step_s": steps[0][0] - self.spawn_ts if steps else None,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_rss_children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "cuda_max_allocated_mib": None,
            "torch_threads": torch.get_num_threads(),
            "process_seconds": time.time() - self.spawn_ts,
        }
        if torch.cuda.is_available() and torch.cuda.is_initialized():
            result["cuda_max_allocated_mib"] = torch.cuda.max_memory_allocated() / 2**20
        return result

    def write(self) -> None:
        if os.getpid() != self.pid:  # a forked data-loader worker exiting
            return
        with open(self.result_path, "w", encoding="utf-8") as out:
            json.dump(self.summary(), out, indent=2)


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    Probe(sys.argv[1]).install()
    target = sys.argv[2:]
    if target[0] == "-m":
        sys.argv = [target[1], *target[2:]]
        sys.path[0] = os.getcwd()  # what `python -m` puts first
        runpy.run_module(target[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = target
        sys.path.insert(0, os.path.dirname(os.path.abspath(target[0])))
        runpy.run_path(target[0], run_name="__main__")


if __name__ == "__main__":
    main()
