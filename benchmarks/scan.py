"""The diagonal linear scan ``h_t = a_t * h_{t-1} + b_t``: implementations against the copy.

    python benchmarks/scan.py [--sizes 50x1024x384c 32x16384x256c 8x65536x1536r]
                              [--device cuda] [--out scan.json]

Sizes are ``BATCHxLENGTHxSTATE`` with ``c`` (complex64) or ``r`` (float32). Each implementation
runs forward, and forward + backward, on the same inputs (``a_t`` of modulus below 1, time
varying); its outputs and gradients are compared with the loop's. Reported: median ms, the
effective bandwidth (bytes of the inputs read and outputs written, the minimum traffic: forward
``a, b -> h``; backward ``a, h, dL/dh -> dL/da, dL/db``), that bandwidth as a percentage of a
device-to-device copy measured in the same run, and the speed-up over the loop.

Implementations: ``loop`` (rnnbook's :func:`~rnnbook.models.scan.sequential_scan`, one step per
time step), ``parallel`` (rnnbook's :func:`~rnnbook.models.scan.parallel_scan`), ``assoc``
(``torch._higher_order_ops.associative_scan``, compiled on CUDA, eager elsewhere unless
``--assoc-compile``) and ``accel`` (the ``accelerated_scan`` package, CUDA only; its warp kernel
for real inputs of power-of-two length, its complex kernel for complex ones). One that cannot run
is listed with the reason.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from bandwidth import copy_bandwidth
from common import device_info, fmt, markdown_table, pick_device, timeit, write_json
from torch import Tensor

from rnnbook.models.scan import parallel_scan, sequential_scan

DEFAULT_SIZES = ("50x1024x384c", "32x16384x256c", "8x65536x1536r")
IMPLEMENTATIONS = ("loop", "parallel", "assoc", "accel")


@dataclass(frozen=True)
class Size:
    batch: int
    length: int
    state: int
    complex: bool

    @classmethod
    def parse(cls, text: str) -> Size:
        kind = text[-1].lower()
        if kind not in "cr":
            raise argparse.ArgumentTypeError(f"size {text!r} must end in c (complex) or r (real)")
        try:
            batch, length, state = (int(v) for v in text[:-1].lower().split("x"))
        except ValueError:
            msg = f"size {text!r} is not BATCHxLENGTHxSTATE[c|r]"
            raise argparse.ArgumentTypeError(msg) from None
        return cls(batch, length, state, kind == "c")

    @property
    def label(self) -> str:
        return f"{self.batch}x{self.length}x{self.state}{'c' if self.complex else 'r'}"

    @property
    def dtype(self) -> torch.dtype:
        return torch.complex64 if self.complex else torch.float32


def make_inputs(size: Size, device: torch.device, seed: int = 0) -> tuple[Tensor, Tensor, Tensor]:
    """Time-major ``a``, ``b`` and an upstream gradient ``g``, all (T, B, N)."""
    gen = torch.Generator(device="cpu").manual_seed(seed)
    shape = (size.length, size.batch, size.state)

    def rand(*s: int) -> Tensor:
        return torch.rand(*s, generator=gen)

    modulus = 0.9 + 0.099 * rand(*shape)  # |a| in [0.9, 0.999): long but decaying memory
    if size.complex:
        angle = 0.2 * torch.pi * rand(*shape)
        a = torch.polar(modulus, angle)
        b = torch.complex(torch.randn(*shape, generator=gen), torch.randn(*shape, generator=gen))
        g = torch.complex(torch.randn(*shape, generator=gen), torch.randn(*shape, generator=gen))
    else:
        a = modulus
        b = torch.randn(*shape, generator=gen)
        g = torch.randn(*shape, generator=gen)
    return a.to(device), b.to(device), g.to(device)


# --- the implementations: (a, b) time-major in, h time-major out --------------------------------


@dataclass
class Impl:
    """``to_native`` puts a time-major tensor in the layout ``run`` takes (outside the timing);
    ``from_native`` takes it back."""

    run: Callable[[Tensor, Tensor], Tensor]
    to_native: Callable[[Tensor], Tensor] = lambda x: x
    from_native: Callable[[Tensor], Tensor] = lambda x: x
    note: str = ""


def _combine(left: tuple[Tensor, Tensor], right: tuple[Tensor, Tensor]):
    a1, h1 = left
    a2, h2 = right
    return a2 * a1, a2 * h1 + h2


class Unavailable(RuntimeError):
    """An implementation that cannot run here; the message says why."""


def build(name: str, size: Size, device: torch.device, assoc_compile: bool | None) -> Impl:
    """The implementation ``name`` for ``size`` on ``device``; raises :class:`Unavailable` when
    it cannot run there."""
    if name == "loop":
        return Impl(sequential_scan)
    if name == "parallel":
        return Impl(parallel_scan)
    if name == "assoc":
        try:
            from torch._higher_order_ops.associative_scan import associative_scan
        except ImportError as e:
            raise Unavailable(f"torch {torch.__version__} has no associative_scan ({e})") from e
        compiled = device.type == "cuda" if assoc_compile is None else assoc_compile
        # "pointwise" lowers the combine function into one Triton kernel (CUDA, compiled, real);
        # "generic" runs anywhere, eager or compiled.
        mode = "pointwise" if compiled and device.type == "cuda" and not size.complex else "generic"

        def run(a: Tensor, b: Tensor) -> Tensor:
            return associative_scan(_combine, (a, b), dim=0, combine_mode=mode)[1]

        fn = torch.compile(run, dynamic=False) if compiled else run
        return Impl(fn, note=f"{'compiled' if compiled else 'eager'}, {mode}")
    if name == "accel":
        if device.type != "cuda":
            raise Unavailable("accelerated_scan has CUDA/Triton kernels only")
        try:
            if size.complex:
                from accelerated_scan.complex import scan as accel_scan

                note = "complex (Triton)"
            else:
                from accelerated_scan.warp import scan as accel_scan

                note = "warp (CUDA)"
        except ImportError as e:
            raise Unavailable(f"accelerated_scan not importable ({e})") from e
        if not size.complex and size.length & (size.length - 1):
            raise Unavailable("accelerated_scan's warp kernel needs a power-of-two length")
        # its layout is (B, C, T), contiguous
        return Impl(
            accel_scan,
            to_native=lambda x: x.permute(1, 2, 0).contiguous(),
            from_native=lambda x: x.permute(2, 0, 1),
            note=note,
        )
    raise ValueError(f"unknown implementation {name!r}: choose from {', '.join(IMPLEMENTATIONS)}")


def _rel_err(x: Tensor, ref: Tensor) -> float:
    return float((x - ref).abs().max() / ref.abs().max().clamp_min(1e-30))


def measure(
    impl: Impl,
    a: Tensor,
    b: Tensor,
    g: Tensor,
    device: torch.device,
    warmup: int,
    repeats: int,
) -> dict[str, Any]:
    """Forward and forward + backward times of ``impl``, with its outputs and gradients."""
    a_n, b_n, g_n = (impl.to_native(x).detach() for x in (a, b, g))
    a_g, b_g = a_n.clone().requires_grad_(), b_n.clone().requires_grad_()

    def forward() -> Tensor:
        with torch.no_grad():
            return impl.run(a_n, b_n)

    def forward_backward() -> None:
        a_g.grad = b_g.grad = None
        impl.run(a_g, b_g).backward(g_n)

    fwd_ms = timeit(forward, warmup=warmup, repeats=repeats, device=device)
    fwd_bwd_ms = timeit(forward_backward, warmup=warmup, repeats=repeats, device=device)
    h = impl.from_native(forward())
    return {
        "fwd_ms": fwd_ms,
        "fwd_bwd_ms": fwd_bwd_ms,
        "h": h,
        "grad_a": impl.from_native(a_g.grad),
        "grad_b": impl.from_native(b_g.grad),
    }


def run_size(
    size: Size,
    names: list[str],
    device: torch.device,
    copy_gb_per_s: float,
    warmup: int,
    repeats: int,
    assoc_compile: bool | None,
) -> list[dict[str, Any]]:
    a, b, g = make_inputs(size, device)
    elem = a.element_size()
    n = a.numel()
    traffic = {"fwd": 3 * n * elem, "fwd_bwd": 8 * n * elem}
    rows: list[dict[str, Any]] = []
    ref: dict[str, Any] | None = None
    for name in names:
        row: dict[str, Any] = {"size": size.label, "impl": name}
        try:
            impl = build(name, size, device, assoc_compile)
            got = measure(impl, a, b, g, device, warmup, repeats)
        except Unavailable as e:
            row["skipped"] = str(e)
        except torch.cuda.OutOfMemoryError as e:
            row["skipped"] = f"out of memory ({str(e).splitlines()[0]})"
        except Exception as e:  # a peer that does not run here is reported, not fatal
            if name in ("loop", "parallel"):
                raise
            row["skipped"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        if "skipped" in row:
            rows.append(row)
            if device.type == "cuda":
                torch.cuda.empty_cache()
            continue
        if ref is None:
            ref = got  # the loop is first: everything is compared with it
        row["note"] = impl.note
        for p in ("fwd", "fwd_bwd"):
            ms = got[f"{p}_ms"]
            gbs = traffic[p] / (ms * 1e-3) / 1e9
            row[f"{p}_ms"] = ms
            row[f"{p}_gb_per_s"] = gbs
            row[f"{p}_pct_of_copy"] = 100.0 * gbs / copy_gb_per_s
            row[f"{p}_speedup_vs_loop"] = ref[f"{p}_ms"] / ms
        row["err_h"] = _rel_err(got["h"], ref["h"])
        row["err_grad_a"] = _rel_err(got["grad_a"], ref["grad_a"])
        row["err_grad_b"] = _rel_err(got["grad_b"], ref["grad_b"])
        rows.append(row)
        del got
        if device.type == "cuda":
            torch.cuda.empty_cache()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes", type=Size.parse, nargs="+", default=[Size.parse(s) for s in DEFAULT_SIZES]
    )
    parser.add_argument(
        "--impls", nargs="+", default=list(IMPLEMENTATIONS), choices=IMPLEMENTATIONS
    )
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls first")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls (median taken)")
    parser.add_argument("--copy-mb", type=float, default=1024, help="size of the copy reference")
    compile_group = parser.add_mutually_exclusive_group()
    compile_group.add_argument(
        "--assoc-compile", dest="assoc_compile", action="store_true", default=None,
        help="torch.compile associative_scan (default: on CUDA only)",
    )  # fmt: skip
    compile_group.add_argument("--assoc-eager", dest="assoc_compile", action="store_false")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when present)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    names = ["loop"] + [n for n in args.impls if n != "loop"]  # the reference always runs

    copy = copy_bandwidth(args.copy_mb, device)
    rows: list[dict[str, Any]] = []
    for size in args.sizes:
        rows += run_size(
            size, names, device, copy["gb_per_s"], args.warmup, args.repeats, args.assoc_compile
        )
    info = device_info(device)

    print(f"device: {info['device']}; copy bandwidth {copy['gb_per_s']:.1f} GB/s")
    table = []
    for r in rows:
        if "skipped" in r:
            table.append([r["size"], r["impl"], f"skipped: {r['skipped']}"] + ["-"] * 6)
            continue
        table.append(
            [
                r["size"],
                r["impl"],
                fmt(r["fwd_ms"], 3),
                fmt(r["fwd_bwd_ms"], 3),
                fmt(r["fwd_bwd_gb_per_s"], 1),
                fmt(r["fwd_bwd_pct_of_copy"], 1),
                fmt(r["fwd_speedup_vs_loop"]),
                fmt(r["fwd_bwd_speedup_vs_loop"]),
                f"{max(r['err_h'], r['err_grad_a'], r['err_grad_b']):.1e}",
            ]
        )
    header = ["size", "impl", "fwd ms", "fwd+bwd ms", "fwd+bwd GB/s", "% copy"]
    header += ["x loop fwd", "x loop fwd+bwd", "max rel err"]
    print(markdown_table(header, table))
    if args.out:
        payload = {**info, "copy": copy, "sizes": [s.label for s in args.sizes], "rows": rows}
        write_json(args.out, payload)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
