"""A recurrent cell written as a small computation graph, and the mutations that search over them.

Jozefowicz, Zaremba & Sutskever (2015), Sec. 3.1, represent a candidate cell as a computation graph
whose nodes are activation functions and element-wise operations over the input ``x_t``, the hidden
state ``h_{t-1}`` and (LSTM-like cells) the memory ``c_{t-1}``. A :class:`Graph` here is such a
graph: an immutable, topologically ordered tuple of :class:`Node` s whose first nodes are the
inputs (``x``, ``h`` and optionally ``c``) and whose ``outputs`` are the new ``h_t`` (and ``c_t``).

Node operations:

- unary: ``tanh``, ``sigmoid``, ``relu`` and the affine maps ``linear:b`` (``W u + b``, a weight
  matrix of its own and a bias initialised to ``b``, with ``b`` in 0, 1, 0.9, 1.1). The paper lists
  "Linear(0, x), Linear(1, x), Linear(0.9, x), Linear(1.1, x)" among its activation functions; we
  read the first argument as the initial bias.
- binary, element-wise: ``add``, ``mul``, ``sub``.

:class:`GraphCell` runs any well-formed graph with :func:`rnnbook.models.unroll`; :func:`mutate`
applies the paper's six mutation operators; :func:`canonical_form` and :func:`graph_hash` identify
graphs that compute the same expression (commutative operands sorted), so that a search evaluates
each candidate once; :func:`check_graph` says why a graph is not well formed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from rnnbook.cells.core import Initializer, RecurrentCell, State, check_sequence_input

INPUTS: tuple[str, ...] = ("x", "h", "c")
LINEAR_BIASES: tuple[float, ...] = (0.0, 1.0, 0.9, 1.1)
ACTIVATIONS: tuple[str, ...] = ("tanh", "sigmoid", "relu") + tuple(
    f"linear:{b:g}" for b in LINEAR_BIASES
)
ELEMENTWISE: tuple[str, ...] = ("add", "mul", "sub")
_FUNCTIONS = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "relu": torch.relu}
_BINARY = {"add": torch.add, "mul": torch.mul, "sub": torch.sub}


class GraphError(ValueError):
    """A graph that is not a well-formed recurrent cell; the message says why."""


@dataclass(frozen=True)
class Node:
    """One node: an operation and the indices of its arguments (earlier nodes)."""

    op: str
    args: tuple[int, ...] = ()


@dataclass(frozen=True)
class Graph:
    """A cell: nodes in topological order, inputs first (``x``, ``h``[, ``c``]), and the outputs.

    ``outputs`` holds the index of the new ``h`` (and of the new ``c``): the state has as many
    tensors as there are outputs.
    """

    nodes: tuple[Node, ...]
    outputs: tuple[int, ...]

    @property
    def state_size(self) -> int:
        return len(self.outputs)

    @property
    def n_inputs(self) -> int:
        return 1 + self.state_size

    def linear_nodes(self) -> list[int]:
        return [k for k, n in enumerate(self.nodes) if is_linear(n.op)]


def is_linear(op: str) -> bool:
    return op.startswith("linear:")


def linear_bias(op: str) -> float:
    return float(op.split(":", 1)[1])


def _arity(op: str) -> int:
    if op in ELEMENTWISE:
        return 2
    if op in ACTIVATIONS:
        return 1
    raise GraphError(
        f"unknown operation {op!r}: choose one of {', '.join(ACTIVATIONS + ELEMENTWISE)}"
    )


def ancestors(graph: Graph, k: int) -> set[int]:
    """Every node that node ``k`` depends on (not ``k`` itself)."""
    seen: set[int] = set()
    stack = list(graph.nodes[k].args)
    while stack:
        j = stack.pop()
        if j not in seen:
            seen.add(j)
            stack.extend(graph.nodes[j].args)
    return seen


def check_graph(graph: Graph) -> None:
    """Raise :class:`GraphError` unless ``graph`` is a well-formed cell.

    Well formed: one or two outputs; the first nodes are exactly the inputs ``x``, ``h`` (and ``c``
    when there are two outputs); every other node is a known operation with the right number of
    arguments, each an *earlier* node (so the graph is acyclic); the outputs are computed nodes;
    the new ``h`` depends on ``x``.
    """
    if len(graph.outputs) not in (1, 2):
        raise GraphError(f"a cell has one or two outputs (h, or h and c), got {graph.outputs}")
    n_in = graph.n_inputs
    names = tuple(n.op for n in graph.nodes[:n_in])
    if names != INPUTS[:n_in] or any(graph.nodes[k].args for k in range(n_in)):
        raise GraphError(f"the first nodes must be the inputs {INPUTS[:n_in]}, got {names}")
    for k, node in enumerate(graph.nodes[n_in:], start=n_in):
        if node.op in INPUTS:
            raise GraphError(f"node {k}: input {node.op!r} may only appear among the first nodes")
        if len(node.args) != _arity(node.op):
            raise GraphError(
                f"node {k}: {node.op} takes {_arity(node.op)} arguments, got {node.args}"
            )
        bad = [a for a in node.args if not 0 <= a < k]
        if bad:
            raise GraphError(f"node {k} ({node.op}) reads {bad}: arguments must be earlier nodes")
    for o in graph.outputs:
        if not n_in <= o < len(graph.nodes):
            raise GraphError(f"output {o} is not a computed node")
    if 0 not in ancestors(graph, graph.outputs[0]):
        raise GraphError("the new h does not depend on the input x")


def prune(graph: Graph) -> Graph:
    """Drop the nodes no output depends on (inputs stay) and renumber the rest."""
    keep = set(range(graph.n_inputs))
    for o in graph.outputs:
        keep |= {o} | ancestors(graph, o)
    order = sorted(keep)
    index = {old: new for new, old in enumerate(order)}
    nodes = tuple(
        Node(graph.nodes[k].op, tuple(index[a] for a in graph.nodes[k].args)) for k in order
    )
    return Graph(nodes, tuple(index[o] for o in graph.outputs))


# --- identity of a graph ------------------------------------------------------------------------


def _expressions(graph: Graph) -> list[str]:
    out: list[str] = []
    for node in graph.nodes:
        if not node.args:
            out.append(node.op)
            continue
        args = [out[a] for a in node.args]
        if node.op in ("add", "mul"):
            args.sort()
        out.append(f"{node.op}({','.join(args)})")
    return out


def canonical_form(graph: Graph) -> str:
    """The outputs as expressions, operands of ``add`` and ``mul`` sorted.

    Two graphs with the same form compute the same family of functions, unless one shares a weight
    matrix between two uses where the other has two (the form does not see sharing).
    """
    exprs = _expressions(graph)
    return " ; ".join(exprs[o] for o in graph.outputs)


def graph_hash(graph: Graph) -> str:
    """A short digest of :func:`canonical_form`: equal for equivalent graphs."""
    return hashlib.sha256(canonical_form(graph).encode()).hexdigest()[:12]


def describe(graph: Graph) -> str:
    """The graph as numbered assignments, one per line (``n5 = sigmoid(n4)``)."""
    names = {k: INPUTS[k] for k in range(graph.n_inputs)}
    lines = []
    for k, node in enumerate(graph.nodes[graph.n_inputs :], start=graph.n_inputs):
        names[k] = f"n{k}"
        lines.append(f"n{k} = {node.op}({', '.join(names[a] for a in node.args)})")
    outs = ", ".join(f"{s}' = {names[o]}" for s, o in zip(("h", "c"), graph.outputs))
    return "\n".join([*lines, outs])


# --- reference graphs ---------------------------------------------------------------------------


class _Builder:
    def __init__(self, state: Sequence[str]) -> None:
        self.nodes = [Node("x")] + [Node(s) for s in state]

    def add(self, op: str, *args: int) -> int:
        self.nodes.append(Node(op, tuple(args)))
        return len(self.nodes) - 1

    def gate(self, activation: str, x: int, h: int) -> int:
        """``activation(W x + b + U h)``: two affine maps and their sum."""
        return self.add(
            activation, self.add("add", self.add("linear:0", x), self.add("linear:0", h))
        )


def gru_graph() -> Graph:
    """The GRU of Jozefowicz et al. 2015 (Sec. 2) as a graph.

    ``r = s(W x + U h)``, ``z = s(W x + U h)``, ``h~ = tanh(W x + U (r h))``,
    ``h_t = h + z (h~ - h)``: the GRU with the update gate weighing the candidate.
    """
    b = _Builder("h")
    x, h = 0, 1
    r = b.gate("sigmoid", x, h)
    z = b.gate("sigmoid", x, h)
    candidate = b.add(
        "tanh", b.add("add", b.add("linear:0", x), b.add("linear:0", b.add("mul", r, h)))
    )
    h_new = b.add("add", h, b.add("mul", z, b.add("sub", candidate, h)))
    return Graph(tuple(b.nodes), (h_new,))


def lstm_graph(forget_bias: float = 0.0) -> Graph:
    """The LSTM of Jozefowicz et al. 2015 (Sec. 2) as a graph, without peepholes.

    ``c_t = f c + i j`` and ``h_t = tanh(c_t) o`` with the tanh candidate ``i`` and the sigmoid
    gates ``j``, ``f``, ``o``; ``forget_bias`` 1 (one of the allowed affine biases) gives LSTM-b.
    """
    b = _Builder("hc")
    x, h, c = 0, 1, 2
    i = b.gate("tanh", x, h)
    j = b.gate("sigmoid", x, h)
    f_lin = b.add(f"linear:{forget_bias:g}", x)
    f = b.add("sigmoid", b.add("add", f_lin, b.add("linear:0", h)))
    o = b.gate("sigmoid", x, h)
    c_new = b.add("add", b.add("mul", c, f), b.add("mul", i, j))
    h_new = b.add("mul", b.add("tanh", c_new), o)
    return Graph(tuple(b.nodes), (h_new, c_new))


# --- the mutation operators ---------------------------------------------------------------------


def _consumers(nodes: list[list], outputs: list[int], k: int) -> int:
    return sum(k in args for _, args in nodes) + outputs.count(k)


def _redirect(nodes: list[list], outputs: list[int], old: int, new: int, skip: int = -1) -> None:
    """Make every reader of ``old`` (except node ``skip``) read ``new`` instead."""
    for j, (_, args) in enumerate(nodes):
        if j != skip:
            nodes[j][1] = [new if a == old else a for a in args]
    outputs[:] = [new if o == old else o for o in outputs]


def _ancestors_of(nodes: list[list], k: int) -> set[int]:
    seen: set[int] = set()
    stack = list(nodes[k][1])
    while stack:
        j = stack.pop()
        if j not in seen:
            seen.add(j)
            stack.extend(nodes[j][1])
    return seen


def _descendants_of(nodes: list[list], outputs: list[int], k: int) -> set[int]:
    return {j for j in range(len(nodes)) if k in _ancestors_of(nodes, j)}


def _toposorted(nodes: list[list], outputs: list[int], n_in: int) -> Graph:
    """Renumber a mutated node list in topological order (inputs first) and prune it."""
    order: list[int] = list(range(n_in))
    placed = set(order)

    def visit(k: int, path: frozenset[int]) -> None:
        if k in placed:
            return
        if k in path:
            raise GraphError("the mutation made a cycle")
        for a in nodes[k][1]:
            visit(a, path | {k})
        placed.add(k)
        order.append(k)

    for o in outputs:
        visit(o, frozenset())
    index = {old: new for new, old in enumerate(order)}
    new_nodes = tuple(Node(nodes[k][0], tuple(index[a] for a in nodes[k][1])) for k in order)
    return Graph(new_nodes, tuple(index[o] for o in outputs))


#: The six operators of Sec. 3.1, by the name :func:`mutate` reports.
MUTATIONS: tuple[str, ...] = (
    "swap activation",
    "swap element-wise operation",
    "insert activation",
    "remove node",
    "replace with ancestor",
    "combine with another node",
)


def _apply(
    kind: str, nodes: list[list], outputs: list[int], k: int, n_in: int, rng: np.random.Generator
) -> bool:
    """Apply one operator to node ``k`` in place; ``False`` if it does not apply there."""
    op, args = nodes[k]
    if kind == "swap activation":
        if op not in ACTIVATIONS:
            return False
        nodes[k][0] = str(rng.choice([a for a in ACTIVATIONS if a != op]))
    elif kind == "swap element-wise operation":
        if op not in ELEMENTWISE:
            return False
        nodes[k][0] = str(rng.choice([a for a in ELEMENTWISE if a != op]))
    elif kind == "insert activation":
        slot = int(rng.integers(len(args)))
        nodes.append([str(rng.choice(ACTIVATIONS)), [args[slot]]])
        nodes[k][1] = [*args[:slot], len(nodes) - 1, *args[slot + 1 :]]
    elif kind == "remove node":
        if len(args) != 1 or _consumers(nodes, outputs, k) != 1 or args[0] < n_in and k in outputs:
            return False
        _redirect(nodes, outputs, k, args[0])
    elif kind == "replace with ancestor":
        choices = sorted(_ancestors_of(nodes, k))
        target = int(rng.choice(choices))
        if target < n_in and k in outputs:
            return False  # an output must stay a computed node
        _redirect(nodes, outputs, k, target)
    elif kind == "combine with another node":
        banned = _descendants_of(nodes, outputs, k) | {k}
        others = [j for j in range(len(nodes)) if j not in banned]
        other = int(rng.choice(others))
        new_op = str(rng.choice(ELEMENTWISE))
        pair = [k, other] if rng.random() < 0.5 else [other, k]
        nodes.append([new_op, pair])
        _redirect(nodes, outputs, k, len(nodes) - 1, skip=len(nodes) - 1)
    else:
        raise ValueError(f"unknown mutation {kind!r}: choose one of {', '.join(MUTATIONS)}")
    return True


def mutate(
    graph: Graph, rng: np.random.Generator, rate: float = 0.1, max_tries: int = 100
) -> tuple[Graph, list[str]]:
    """A mutated, well-formed copy of ``graph`` and the operators applied.

    Each computed node is, with probability ``rate``, transformed by one of the six operators of
    Sec. 3.1 (:data:`rnnbook.cells.graph.MUTATIONS`) chosen uniformly among those that apply to
    it; at least one node is transformed. The result is pruned and checked; a mutation that breaks
    the graph (or changes nothing) is drawn again, up to ``max_tries`` times.
    """
    check_graph(graph)
    n_in = graph.n_inputs
    original = graph_hash(graph)
    for _ in range(max_tries):
        nodes = [[n.op, list(n.args)] for n in graph.nodes]
        outputs = list(graph.outputs)
        computed = list(range(n_in, len(nodes)))
        chosen = [k for k in computed if rng.random() < rate] or [int(rng.choice(computed))]
        applied = []
        for k in chosen:
            for kind in rng.permutation(MUTATIONS):
                if _apply(str(kind), nodes, outputs, k, n_in, rng):
                    applied.append(str(kind))
                    break
        try:
            child = prune(_toposorted(nodes, outputs, n_in))
            check_graph(child)
        except GraphError:
            continue
        if graph_hash(child) != original:
            return child, applied
    raise GraphError(f"no valid mutation found in {max_tries} tries")


# --- running a graph ----------------------------------------------------------------------------


class GraphCell(RecurrentCell):
    """A recurrent cell that evaluates a :class:`Graph` at every time step.

    Every ``linear:b`` node has its own H x H weight and bias (initialised to ``b``). The affine
    maps of ``x`` are computed for the whole sequence at once (:meth:`project`), those of ``h`` in
    one batched product per step, the others one product each. The input must have the hidden
    size (an embedding), since nodes combine ``x`` element-wise with H-wide values.

    Parameters (E members): ``weight_ih``/``bias`` (E, H, n_x H)/(E, 1, n_x H) for the maps of
    ``x``; ``weight_hh``/``bias_hh`` for those of ``h``; ``weight_inner`` (E, n_inner, H, H) and
    ``bias_inner`` (E, n_inner, 1, H) for the rest.
    """

    def __init__(
        self,
        graph: Graph,
        input_size: int,
        hidden_size: int,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        init: Initializer | None = None,
    ) -> None:
        check_graph(graph)
        if input_size != hidden_size:
            raise ValueError(
                f"a graph cell combines x element-wise with H-wide values: it needs "
                f"input_size == hidden_size, got {input_size} and {hidden_size}"
            )
        self.graph = graph
        self.state_size = graph.state_size
        self.gates = 1
        super().__init__(input_size, hidden_size, members, seeds, init)
        lin = graph.linear_nodes()
        self._x_lin = [k for k in lin if graph.nodes[k].args[0] == 0]
        self._h_lin = [k for k in lin if graph.nodes[k].args[0] == 1]
        self._inner = [k for k in lin if k not in self._x_lin and k not in self._h_lin]
        e, h = members, hidden_size
        nx, nh, ni = len(self._x_lin), len(self._h_lin), len(self._inner)
        self.weight_ih = nn.Parameter(torch.empty(e, h, nx * h))
        self.bias = nn.Parameter(torch.empty(e, 1, nx * h))
        self.weight_hh = nn.Parameter(torch.empty(e, h, nh * h))
        self.bias_hh = nn.Parameter(torch.empty(e, 1, nh * h))
        self.weight_inner = nn.Parameter(torch.empty(e, ni, h, h))
        self.bias_inner = nn.Parameter(torch.empty(e, ni, 1, h))
        self._post_init()

    @torch.no_grad()
    def _init_member(self, e: int, g: torch.Generator) -> None:
        """Each affine node's bias starts at its constant ``b``."""
        h = self.hidden_size
        for k, node in enumerate(self._x_lin):
            self.bias[e, :, k * h : (k + 1) * h] = linear_bias(self.graph.nodes[node].op)
        for k, node in enumerate(self._h_lin):
            self.bias_hh[e, :, k * h : (k + 1) * h] = linear_bias(self.graph.nodes[node].op)
        for k, node in enumerate(self._inner):
            self.bias_inner[e, k] = linear_bias(self.graph.nodes[node].op)

    def project(self, x: Tensor) -> Tensor:
        """The affine maps of ``x`` at every step, then ``x`` itself: (T, E, B, (n_x + 1) H)."""
        check_sequence_input(x, self.input_size, self.members)
        xe = x.unsqueeze(0).expand(self.members, *x.shape) if x.dim() == 3 else x
        e, t, b, i = xe.shape
        xw = torch.baddbmm(self.bias, xe.reshape(e, t * b, i), self.weight_ih).view(e, t, b, -1)
        return torch.cat([xw, xe], -1).transpose(0, 1).contiguous()

    def step(self, xw: Tensor, state: State) -> State:
        h_size = self.hidden_size
        values: list[Tensor | None] = [None] * len(self.graph.nodes)
        values[0] = xw[..., len(self._x_lin) * h_size :]
        for k, s in enumerate(state):
            values[1 + k] = s
        for k, node in enumerate(self._x_lin):
            values[node] = xw[..., k * h_size : (k + 1) * h_size]
        if self._h_lin:
            hw = torch.baddbmm(self.bias_hh, state[0], self.weight_hh)
            for k, node in enumerate(self._h_lin):
                values[node] = hw[..., k * h_size : (k + 1) * h_size]
        inner = {node: k for k, node in enumerate(self._inner)}
        for k, node in enumerate(self.graph.nodes):
            if values[k] is not None:
                continue
            args = [values[a] for a in node.args]
            if node.op in _BINARY:
                values[k] = _BINARY[node.op](args[0], args[1])
            elif is_linear(node.op):
                j = inner[k]
                values[k] = torch.baddbmm(self.bias_inner[:, j], args[0], self.weight_inner[:, j])
            else:
                values[k] = _FUNCTIONS[node.op](args[0])
        return tuple(values[o] for o in self.graph.outputs)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, graph={graph_hash(self.graph)}"
