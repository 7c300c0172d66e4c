"""Training speed of the tanh RNN against the LRU (Orvieto et al. 2023, Table 4), in one run.

    python benchmarks/lru_speed.py [--profile cpu] [--lengths 256 1024 4096] [--out speed.json]

Every model -- the deep tanh RNN, the deep LRU with the sequential loop, the deep LRU with the
parallel scan -- trains a few AdamW steps on random sequences of each length, one after the other
in this process on one device, so the ratios compare like with like. The scans' effective memory
bandwidth is measured as well (on a GPU, compare it with the device's peak). The JSON written
holds the device name, the settings, steps per second and the speed-ups over the tanh RNN.
The chapter's ``speed`` experiment runs the same code and records it (``python -m rnnbook run
orvieto2023.speed``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import asdict, replace
from pathlib import Path

import torch

from rnnbook.device import default_device, describe
from rnnbook.experiments import orvieto2023 as lru


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profile", default="cpu", help="start from this profile's settings")
    parser.add_argument("--lengths", type=int, nargs="+", help="sequence lengths")
    parser.add_argument("--width", type=int, help="model width H")
    parser.add_argument("--state", type=int, help="state size N")
    parser.add_argument("--depth", type=int, help="residual blocks")
    parser.add_argument("--batch", type=int, help="sequences per step")
    parser.add_argument("--steps", type=int, help="timed steps per model and length")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when present)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)

    config = lru.speed_config(args.profile)
    changes = {
        "lengths": tuple(args.lengths) if args.lengths else None,
        "width": args.width,
        "state": args.state,
        "depth": args.depth,
        "batch_size": args.batch,
        "steps": args.steps,
    }
    config = replace(config, **{k: v for k, v in changes.items() if v is not None})
    if args.lengths:
        config = replace(config, bandwidth_lengths=tuple(args.lengths))
    device = torch.device(args.device) if args.device else default_device()
    if device.type == "cpu":
        torch.set_num_threads(args.threads)

    rates: dict[str, dict[int, float]] = {m: {} for m in config.models}
    for length in config.lengths:
        for model in config.models:
            rates[model][length] = lru.measure_steps_per_second(model, length, config, device)
            rate = rates[model][length]
            print(f"length {length:6d}  {model:15s} {rate:9.3f} steps/s", flush=True)
    bandwidth = {n: lru.scan_bandwidth(n, config, device) for n in config.bandwidth_lengths}
    speedup = {
        m: {n: rates[m][n] / rates["tanh"][n] for n in config.lengths}
        for m in config.models
        if m != "tanh" and "tanh" in rates
    }
    for m, values in speedup.items():
        print(f"{m} / tanh: " + ", ".join(f"L={n}: {v:.2f}x" for n, v in values.items()))
    for n, b in bandwidth.items():
        print(
            f"scan at length {n}: parallel {b['parallel_gb_per_s']:.2f} GB/s, "
            f"loop {b['sequential_gb_per_s']:.2f} GB/s (least traffic / time)"
        )
    result = {
        "device": describe(device),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "config": asdict(config),
        "steps_per_s": rates,
        "speedup_vs_tanh": speedup,
        "scan_bandwidth_gb_per_s": bandwidth,
        "paper_table4_a100": {
            f"{task} (L={n})": values for (task, n), values in lru.PAPER_SPEED.items()
        },
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
