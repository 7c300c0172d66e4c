"""One training step of LSTM and GRU layers: cuDNN against rnnbook's unrolled cells.

    python benchmarks/cells.py [--batch 16] [--length 1024] [--hidden 768] [--compile]
                               [--device cuda] [--out cells.json]

A training step is the forward pass over the whole sequence (input projection included) and the
backward pass to the inputs and every parameter. For each kind (``lstm``, ``gru``) it times
:class:`torch.nn.LSTM` / :class:`torch.nn.GRU` (cuDNN on a GPU; the reference), rnnbook's own
:class:`~rnnbook.cells.LSTMCell` (no peepholes) / :class:`~rnnbook.cells.GRUCell`
(``reset_after=True``) unrolled by :func:`~rnnbook.models.recurrent.unroll`, with ``--compile``
the same with the cell's step compiled by :func:`torch.compile`, and on CUDA the ``flashrnn``
package when it is installed. rnnbook's cells receive the reference's weights, so their outputs
and gradients are checked against it; the ratio is the time over the reference's.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from common import device_info, fmt, markdown_table, pick_device, timeit, write_json
from torch import Tensor, nn

from rnnbook.cells import GRUCell, LSTMCell, RecurrentCell
from rnnbook.models.recurrent import unroll

KINDS = ("lstm", "gru")


@torch.no_grad()
def rnnbook_cell_like(ref: nn.LSTM | nn.GRU) -> RecurrentCell:
    """An rnnbook cell computing what the one-layer ``ref`` computes, with its weights."""
    i, h = ref.input_size, ref.hidden_size
    w_ih, w_hh = ref.weight_ih_l0.clone(), ref.weight_hh_l0.clone()
    b_ih, b_hh = ref.bias_ih_l0.clone(), ref.bias_hh_l0.clone()
    if isinstance(ref, nn.LSTM):  # same gate order (i, f, g, o); one bias
        cell = LSTMCell(i, h, peephole=False)
        bias = b_ih + b_hh
    else:
        # nn.GRU: h' = (1 - z) n + z h; rnnbook: h' = (1 - z) h + z n. sigmoid(-x) = 1 - sigmoid(x),
        # so rnnbook's z-gate takes the negated z-block; the candidate's hidden bias stays inside r.
        cell = GRUCell(i, h, reset_after=True)
        z = slice(h, 2 * h)
        w_ih[z], w_hh[z] = -w_ih[z], -w_hh[z]
        bias = b_ih.clone()
        bias[: 2 * h] += b_hh[: 2 * h]
        bias[z] = -bias[z]
        cell.bias_hn.copy_(b_hh[2 * h :].view(1, 1, h))
    cell.weight_ih.copy_(w_ih.T.unsqueeze(0))
    cell.weight_hh.copy_(w_hh.T.unsqueeze(0))
    cell.bias.copy_(bias.view(1, 1, -1))
    return cell.to(ref.weight_ih_l0.device)


class Unavailable(RuntimeError):
    """An implementation that cannot run here; the message says why."""


def flashrnn_step(kind: str, x: Tensor, hidden: int, dtype: str) -> Callable[[], Tensor]:
    """A forward function of the ``flashrnn`` package on ``x`` (T, B, I), random weights."""
    if x.device.type != "cuda":
        raise Unavailable("flashrnn has CUDA kernels only")
    try:
        from flashrnn import flashrnn
    except ImportError as e:
        raise Unavailable(f"flashrnn not importable ({e})") from e
    gates = 4 if kind == "lstm" else 3
    scale = hidden**-0.5
    dev = x.device
    w_ih = (scale * torch.randn(x.shape[-1], gates * hidden, device=dev)).requires_grad_()
    r = (scale * torch.randn(gates, 1, hidden, hidden, device=dev)).requires_grad_()
    b = torch.zeros(gates, 1, hidden, device=dev, requires_grad=True)

    def forward() -> Tensor:
        t, batch, _ = x.shape
        wx = (x @ w_ih).view(t, batch, gates, 1, hidden).transpose(0, 1)  # (B, T, G, NH, D)
        h, _ = flashrnn(wx, r, b, function=kind, backend="cuda_fused", dtype=dtype)
        return h

    forward.params = [w_ih, r, b]  # type: ignore[attr-defined]
    return forward


def run_kind(
    kind: str, args: argparse.Namespace, device: torch.device
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    torch.manual_seed(0)
    t, batch, hidden = args.length, args.batch, args.hidden
    ref = (nn.LSTM if kind == "lstm" else nn.GRU)(hidden, hidden).to(device)
    x = torch.randn(t, batch, hidden, device=device, requires_grad=True)
    grad_out = torch.randn(t, batch, hidden, device=device)

    def train_step(forward: Callable[[], Tensor], params: list[Tensor]) -> Callable[[], Tensor]:
        def step() -> Tensor:
            for p in [x, *params]:
                p.grad = None
            out = forward()
            out.backward(grad_out)
            return out

        return step

    impls: dict[str, Callable[[], Callable[[], Tensor]]] = {}
    impls[f"nn.{kind.upper()}"] = lambda: train_step(lambda: ref(x)[0], list(ref.parameters()))

    def ours(compiled: bool) -> Callable[[], Tensor]:
        cell = rnnbook_cell_like(ref)
        if compiled:
            try:
                cell.step = torch.compile(cell.step)  # fuses one step's element-wise gates
            except Exception as e:
                raise Unavailable(f"torch.compile failed ({e})") from e
        return train_step(lambda: unroll(cell, x)[0][0], list(cell.parameters()))

    impls[f"rnnbook {kind}"] = lambda: ours(False)
    if args.compile:
        impls[f"rnnbook {kind} compiled"] = lambda: ours(True)

    def flash() -> Callable[[], Tensor]:
        fwd = flashrnn_step(kind, x, hidden, args.flashrnn_dtype)
        return train_step(lambda: fwd().reshape(batch, t, hidden).transpose(0, 1), fwd.params)

    impls["flashrnn"] = flash

    rows: list[dict[str, Any]] = []
    ref_ms = None
    ref_out = ref_grad = None
    errors: dict[str, float] = {}
    for name, make in impls.items():
        row: dict[str, Any] = {"kind": kind, "impl": name}
        try:
            step = make()
            ms = timeit(step, warmup=args.warmup, repeats=args.repeats, device=device)
            out = step().detach()
        except Unavailable as e:
            row["skipped"] = str(e)
        except Exception as e:  # a compiled or third-party peer failing is reported, not fatal
            if ref_ms is None or name == f"rnnbook {kind}":
                raise
            row["skipped"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        if "skipped" in row:
            rows.append(row)
            continue
        if ref_ms is None:
            ref_ms, ref_out, ref_grad = ms, out, x.grad.clone()
        row.update({"ms": ms, "ratio_to_reference": ms / ref_ms})
        if name.startswith("rnnbook"):  # same weights: the same function
            scale_out, scale_grad = ref_out.abs().max(), ref_grad.abs().max()
            row["err_out"] = float((out - ref_out).abs().max() / scale_out)
            row["err_grad_x"] = float((x.grad - ref_grad).abs().max() / scale_grad)
            errors[name] = max(row["err_out"], row["err_grad_x"])
        rows.append(row)
    return rows, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--length", type=int, default=1024)
    parser.add_argument("--hidden", type=int, default=768, help="hidden size (= input size)")
    parser.add_argument("--compile", action="store_true", help="also time the compiled step")
    parser.add_argument("--flashrnn-dtype", default="float32", help="dtype flashrnn computes in")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps (median taken)")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: CUDA when present)")
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's)")
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)

    rows: list[dict[str, Any]] = []
    for kind in args.kinds:
        rows += run_kind(kind, args, device)[0]
    info = device_info(device)
    print(
        f"device: {info['device']}; one training step, batch {args.batch}, "
        f"length {args.length}, hidden {args.hidden}"
    )
    table = [
        [r["kind"], r["impl"], f"skipped: {r['skipped']}", "-", "-"]
        if "skipped" in r
        else [
            r["kind"],
            r["impl"],
            fmt(r["ms"], 3),
            fmt(r["ratio_to_reference"]),
            f"{max(r['err_out'], r['err_grad_x']):.1e}" if "err_out" in r else "-",
        ]
        for r in rows
    ]
    header = ["kind", "implementation", "ms / step", "x reference", "max rel err"]
    print(markdown_table(header, table))
    if args.out:
        settings = {k: getattr(args, k) for k in ("batch", "length", "hidden", "compile")}
        write_json(args.out, {**info, **settings, "rows": rows})
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
