"""Device-to-device copy bandwidth: the denominator of every "% of bandwidth" figure.

    python benchmarks/bandwidth.py [--size-mb 1024] [--device cuda] [--out copy.json]

A clone of a large tensor reads every byte once and writes it once, so its effective bandwidth,
(bytes read + bytes written) / time, is what a memory-bound kernel such as a linear scan can
hope to reach on this device. Measured here rather than taken from a data sheet, in the same
process as the kernels it normalises.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from common import device_info, pick_device, timeit, write_json


def copy_bandwidth(
    size_mb: float, device: torch.device, warmup: int = 2, repeats: int = 10
) -> dict[str, float]:
    """Median time and effective bandwidth of cloning a float32 tensor of ``size_mb`` MiB."""
    numel = max(1, int(size_mb * 2**20) // 4)
    x = torch.empty(numel, dtype=torch.float32, device=device).uniform_()
    ms = timeit(x.clone, warmup=warmup, repeats=repeats, device=device)
    moved = 2 * x.numel() * x.element_size()  # read once, written once
    return {"bytes": moved, "ms": ms, "gb_per_s": moved / (ms * 1e-3) / 1e9}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=1024, help="tensor size in MiB")
    parser.add_argument("--repeats", type=int, default=10, help="timed copies (median taken)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when present)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    parser.add_argument("--out", type=Path, help="write the result here as JSON")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)

    result = copy_bandwidth(args.size_mb, device, repeats=args.repeats)
    info = device_info(device)
    print(
        f"device: {info['device']}; clone of {args.size_mb:g} MiB: {result['ms']:.3f} ms, "
        f"{result['gb_per_s']:.1f} GB/s (read + written)"
    )
    if args.out:
        write_json(args.out, {**info, "size_mb": args.size_mb, "copy": result})
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
