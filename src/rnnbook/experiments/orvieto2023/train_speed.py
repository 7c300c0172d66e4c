"""The speed probe of the Orvieto et al. (2023) chapter (Table 4 of the paper).

The same deep network is timed with three recurrences -- the tanh RNN (a loop), the LRU computed by
the loop, the LRU computed by the parallel scan -- one after the other in one process on one
device, so that only ratios measured in the same run are compared with the paper's.
``benchmarks/lru_speed.py`` runs the same functions from the command line.
"""

from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F

from rnnbook.experiments.jobs import Job, RunContext
from rnnbook.experiments.orvieto2023.config import SpeedConfig
from rnnbook.models.lru import DeepRecurrentClassifier
from rnnbook.results import RunRecord

__all__ = ["SPEED_MODELS", "measure_steps_per_second", "scan_bandwidth", "speed_records"]


SPEED_MODELS = {
    "tanh": ("tanh", "sequential"),
    "lru-sequential": ("lru", "sequential"),
    "lru-parallel": ("lru", "parallel"),
}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure_steps_per_second(
    model_name: str, length: int, config: SpeedConfig, device: torch.device
) -> float:
    """Training steps per second (forward, backward, AdamW step) of one model on random inputs:
    one over the median time of ``config.steps`` steps, after ``config.warmup`` untimed ones."""
    rung, method = SPEED_MODELS[model_name]
    model = DeepRecurrentClassifier(
        10, config.width, config.state, config.depth, rung=rung, input_size=1, scan_method=method
    ).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(length)
    x = torch.randn(length, config.batch_size, 1, generator=g).to(device)
    y = torch.randint(0, 10, (config.batch_size,), generator=g).to(device)

    def step() -> None:
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x)[0], y).backward()
        opt.step()

    for _ in range(config.warmup):
        step()
    times = []
    for _ in range(config.steps):
        _sync(device)
        started = time.perf_counter()
        step()
        _sync(device)
        times.append(time.perf_counter() - started)
    return 1.0 / float(np.median(times))  # the median resists pauses by other processes


def scan_bandwidth(length: int, config: SpeedConfig, device: torch.device) -> dict[str, float]:
    """Effective memory bandwidth of the scans' forward pass (GB/s): the least traffic any scan
    needs -- read ``b`` and write ``h``, complex64, ``2 * 8 * T * B * N`` bytes -- divided by the
    time it takes. The parallel scan moves more than that, so this understates its traffic; it
    is the figure to compare with the device's peak bandwidth."""
    from rnnbook.models.scan import parallel_scan, sequential_scan

    g = torch.Generator().manual_seed(0)
    a = torch.polar(torch.rand(1, 1, config.state, generator=g) * 0.99, torch.zeros(1, 1, 1))
    b = torch.randn(length, config.batch_size, config.state, 2, generator=g)
    a, b = a.to(device), torch.view_as_complex(b).to(device)
    out = {}
    for name, fn in (("parallel", parallel_scan), ("sequential", sequential_scan)):
        fn(a, b)
        times = []
        for _ in range(max(3, config.steps)):
            _sync(device)
            started = time.perf_counter()
            fn(a, b)
            _sync(device)
            times.append(time.perf_counter() - started)
        seconds = float(np.median(times))
        out[f"{name}_gb_per_s"] = 2 * 8 * b.numel() / seconds / 1e9
        out[f"{name}_ms"] = 1e3 * seconds
    return out


def speed_records(job: Job, context: RunContext) -> list[RunRecord]:
    """Measure every model at every length of the job in this process, one after the other
    (one CPU thread, as the runner gives every job: stable on a shared machine)."""
    config: SpeedConfig = job.config
    device = context.device
    torch.manual_seed(0)
    rates: dict[tuple[str, int], float] = {}
    started = time.perf_counter()
    for length in config.lengths:
        for model_name in config.models:
            rates[(model_name, length)] = measure_steps_per_second(
                model_name, length, config, device
            )
    bandwidth = {
        str(length): scan_bandwidth(length, config, device) for length in config.bandwidth_lengths
    }
    wall = time.perf_counter() - started
    records = []
    for (model_name, length), rate in rates.items():
        metrics = {"length": length, "train_steps_per_s": rate}
        if ("tanh", length) in rates:
            metrics["train_speedup_vs_tanh"] = rate / rates[("tanh", length)]
        records.append(
            context.record(
                job,
                f"{model_name}-L{length}",
                metrics=metrics,
                wall_time_s=wall,
                extra={"model": model_name, "scan_bandwidth": bandwidth},
            )
        )
    return records
