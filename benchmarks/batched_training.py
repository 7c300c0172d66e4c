"""Batched training of many tiny RNNs against one run at a time (Pascanu et al. 2013 sweep).

    python benchmarks/batched_training.py [--length 50] [--seeds 5] [--updates 40]
                                          [--members 1 3 15 45] [--out batched.json]

The Figure 7 sweep of the pascanu2013 chapter trains, per (length, initialisation), the three
methods (SGD, SGD-C, SGD-CR) times the seeds as the members of one stacked model: one batched
matrix product per step for all of them. This script times that job -- ``updates`` SGD updates
of the temporal order problem, Omega and per-member clipping included, no evaluation -- stacked,
and the same members trained one after the other, in this process on one device, and reports
runs per second (members trained for ``updates`` updates, per second of wall time) and their
ratio. It also times one update against the number of stacked members (``--members``): on a
CPU the time grows with the members (the arithmetic dominates), on a GPU it stays nearly flat
(the per-step overhead dominates). That is why the chapter stacks seeds and methods, but keeps
different lengths in separate jobs on a CPU: padding short sequences to the longest would cost
the arithmetic of the padding. The JSON holds the device name and every number printed, with the
largest difference between a stacked member's trained weights and the same member trained alone
(the two must train the same model).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
from common import device_info, write_json

from rnnbook.device import default_device, describe
from rnnbook.experiments import pascanu2013 as p13
from rnnbook.train import fit


def time_job(config: p13.TaskRunConfig, device: torch.device) -> tuple[float, torch.nn.Module]:
    """Wall seconds of ``config.max_updates`` training updates of all the job's members, and the
    trained model."""
    members = config.members()
    model = p13.build_model(config, members).to(device)
    data = p13.TaskData(replace(config, n_valid=1), members, device)
    next(data.epoch(0))  # warm up: allocations, first kernels
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    started = time.perf_counter()
    fit(
        model,
        data.epoch,
        p13.task_loss_fn(config),
        None,
        config.train_config(),
        seeds=[s for _, s in members],
        progress=False,
    )
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - started, model


@torch.no_grad()
def member_difference(stacked: torch.nn.Module, e: int, alone: torch.nn.Module) -> float:
    """Largest difference between member ``e`` of ``stacked`` and the one-member ``alone``."""
    return max(
        float((p[e] - q[0]).abs().max())
        for p, q in zip(stacked.parameters(), alone.parameters(), strict=True)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--length", type=int, default=50, help="temporal order length")
    parser.add_argument("--init", default="smart_tanh", choices=p13.INITS)
    parser.add_argument("--seeds", type=int, default=5, help="seeds per method")
    parser.add_argument("--updates", type=int, default=40, help="timed updates per job")
    parser.add_argument(
        "--members", type=int, nargs="+", default=[1, 3, 15, 45], help="stack sizes to time"
    )
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when present)")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device) if args.device else default_device()

    base = p13.TaskRunConfig(
        task="temporal_order",
        length=args.length,
        init=args.init,
        methods=p13.METHODS,
        seeds=tuple(range(args.seeds)),
        max_updates=args.updates,
        eval_every=args.updates,
        n_valid=1,
        **p13.FIGURE7,
    )
    members = base.members()
    time_job(replace(base, max_updates=2, eval_every=2), device)  # imports, first kernels
    stacked, stacked_model = time_job(base, device)
    alone, difference = 0.0, 0.0  # the same training, so the same weights up to rounding
    for e, (m, s) in enumerate(members):
        seconds, model = time_job(replace(base, methods=(m,), seeds=(s,)), device)
        alone += seconds
        difference = max(difference, member_difference(stacked_model, e, model))
    rate_stacked, rate_alone = len(members) / stacked, len(members) / alone
    print(
        f"device: {describe(device)}; temporal order, length {args.length}, {args.updates} updates"
    )
    print("| training | members | wall s | runs/s |")
    print("|---|---|---|---|")
    print(f"| stacked (one job) | {len(members)} | {stacked:.2f} | {rate_stacked:.3f} |")
    print(f"| one at a time | {len(members)} | {alone:.2f} | {rate_alone:.3f} |")
    print(f"batched / one at a time: {rate_stacked / rate_alone:.2f}x")
    print(f"largest weight difference, stacked member vs alone: {difference:.1e}")

    per_update = {}
    for e in args.members:
        seeds = tuple(range(max(1, e // len(p13.METHODS))))
        methods = p13.METHODS if e >= len(p13.METHODS) else p13.METHODS[-1:]
        config = replace(base, methods=methods, seeds=seeds)
        n = len(config.members())
        per_update[n] = time_job(config, device)[0] / args.updates
        print(f"{n:4d} stacked members: {1000 * per_update[n]:8.2f} ms per update")
    result = {
        **device_info(device),
        "task": "temporal_order",
        "length": args.length,
        "init": args.init,
        "updates": args.updates,
        "members": len(members),
        "stacked_s": stacked,
        "one_at_a_time_s": alone,
        "runs_per_s_stacked": rate_stacked,
        "runs_per_s_one_at_a_time": rate_alone,
        "speedup": rate_stacked / rate_alone,
        "max_weight_difference": difference,
        "seconds_per_update_by_members": per_update,
    }
    if args.out:
        write_json(args.out, result)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
