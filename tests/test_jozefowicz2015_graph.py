"""Cells as computation graphs (Jozefowicz et al. 2015, Sec. 3.1): running, checking, mutating.

The GRU and LSTM graphs must compute exactly what :class:`GRUCell` and :class:`LSTMCell` compute
(weights copied across); each of the six mutation operators must do what the paper says; every
mutated graph must be well formed and run; equivalent graphs must hash alike.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rnnbook.cells import GRUCell, LSTMCell
from rnnbook.cells.graph import (
    MUTATIONS,
    Graph,
    GraphCell,
    GraphError,
    Node,
    _apply,
    ancestors,
    canonical_form,
    check_graph,
    describe,
    graph_hash,
    gru_graph,
    lstm_graph,
    mutate,
    prune,
)
from rnnbook.models import unroll

H, T, B = 4, 6, 3


def randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def copy_gate_weights(graph_cell: GraphCell, cell, order: str) -> None:
    """Put the cell's gate blocks into the graph's affine nodes: the k-th gate of ``order`` reads
    the k-th affine map of x and of h (the builders create the gates in that order)."""
    h = cell.hidden_size
    with torch.no_grad():
        graph_cell.bias_hh.zero_()
        for k, name in enumerate(order):
            j = cell.blocks.index(name) if hasattr(cell, "blocks") else "rzn".index(name)
            cols = slice(j * h, (j + 1) * h)
            graph_cell.weight_ih[:, :, k * h : (k + 1) * h] = cell.weight_ih[:, :, cols]
            graph_cell.bias[:, :, k * h : (k + 1) * h] = cell.bias[:, :, cols]
            if k < graph_cell.weight_hh.shape[-1] // h:
                graph_cell.weight_hh[:, :, k * h : (k + 1) * h] = cell.weight_hh[:, :, cols]


def test_gru_graph_computes_the_gru():
    cell = GRUCell(H, H, members=2, seeds=(1, 2)).double()
    with torch.no_grad():
        cell.bias.copy_(randn(*cell.bias.shape, seed=3))
    gcell = GraphCell(gru_graph(), H, H, members=2).double()
    # x-maps: r, z, candidate; h-maps: r, z; the candidate's U acts on r*h (an inner map)
    copy_gate_weights(gcell, cell, "rzn")
    with torch.no_grad():
        gcell.weight_inner[:, 0] = cell.weight_hh[:, :, 2 * H :]
        gcell.bias_inner.zero_()
    x = randn(T, B, H, seed=4)
    torch.testing.assert_close(unroll(gcell, x)[0], unroll(cell, x)[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("forget_bias", [0.0, 1.0])
def test_lstm_graph_computes_the_lstm(forget_bias):
    cell = LSTMCell(H, H, members=2, seeds=(1, 2), peephole=False).double()
    gcell = GraphCell(lstm_graph(forget_bias), H, H, members=2).double()
    if forget_bias:  # the graph's forget map starts at bias 1, like LSTM-b
        f = gcell.graph.nodes[[k for k in gcell._x_lin][2]].op
        assert f == "linear:1"
    copy_gate_weights(gcell, cell, "gifo")  # builder order: candidate i, gate j, f, o
    x = randn(T, B, H, seed=5)
    out, (h, c) = unroll(gcell, x)
    ref, (h_ref, c_ref) = unroll(cell, x)
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(c, c_ref, rtol=1e-12, atol=1e-12)


def test_graph_cell_member_equals_single_and_gradcheck():
    g = lstm_graph()
    stack = GraphCell(g, 3, 3, members=3, seeds=(4, 5, 6)).double()
    single = GraphCell(g, 3, 3, members=1, seeds=(5,)).double()
    x = randn(4, 2, 3, seed=1)
    torch.testing.assert_close(unroll(stack, x)[0][1], unroll(single, x)[0][0])
    assert torch.autograd.gradcheck(lambda v: unroll(single, v)[0], (x.requires_grad_(),))


def test_affine_biases_start_at_their_constant():
    g = lstm_graph(forget_bias=1.0)
    cell = GraphCell(g, H, H, members=2)
    k = [n for n in cell._x_lin if g.nodes[n].op == "linear:1"]
    assert len(k) == 1
    slot = cell._x_lin.index(k[0])
    assert torch.equal(cell.bias[:, 0, slot * H : (slot + 1) * H], torch.ones(2, H))


# --- well-formedness ------------------------------------------------------------------------------


def test_reference_graphs_are_well_formed_and_described():
    for g in (gru_graph(), lstm_graph()):
        check_graph(g)
        assert prune(g) == g
    text = describe(gru_graph())
    assert "sigmoid" in text and text.splitlines()[-1].startswith("h' = n")


@pytest.mark.parametrize(
    "graph, message",
    [
        (Graph((Node("x"), Node("h"), Node("tanh", (3,)), Node("add", (0, 1))), (3,)), "earlier"),
        (Graph((Node("x"), Node("h"), Node("add", (0,))), (2,)), "takes 2"),
        (Graph((Node("x"), Node("h"), Node("cos", (0,))), (2,)), "'cos'"),
        (Graph((Node("x"), Node("h"), Node("tanh", (0,))), (0,)), "not a computed node"),
        (Graph((Node("x"), Node("h"), Node("tanh", (1,))), (2,)), "does not depend on the input"),
        (Graph((Node("h"), Node("x"), Node("tanh", (1,))), (2,)), "must be the inputs"),
        (Graph((Node("x"), Node("h"), Node("c"), Node("tanh", (0,))), (3,)), "may only appear"),
        (Graph((Node("x"), Node("h"), Node("x"), Node("tanh", (2,))), (3,)), "may only appear"),
    ],
)
def test_malformed_graphs_are_refused_with_a_reason(graph, message):
    with pytest.raises(GraphError, match=message):
        check_graph(graph)
    with pytest.raises(GraphError):
        GraphCell(graph, H, H)


def test_graph_cell_needs_hidden_sized_inputs():
    with pytest.raises(ValueError, match="input_size == hidden_size"):
        GraphCell(gru_graph(), 3, 4)


def test_prune_drops_dead_nodes():
    g = Graph(
        (Node("x"), Node("h"), Node("tanh", (1,)), Node("sigmoid", (0,)), Node("mul", (3, 1))),
        (4,),
    )
    p = prune(g)
    assert [n.op for n in p.nodes] == ["x", "h", "sigmoid", "mul"] and p.outputs == (3,)


# --- identity -------------------------------------------------------------------------------------


def test_commuted_operands_hash_alike_but_subtraction_does_not():
    def g(op: str, a: int, b: int) -> Graph:
        return Graph((Node("x"), Node("h"), Node("tanh", (0,)), Node(op, (a, b))), (3,))

    assert graph_hash(g("add", 2, 1)) == graph_hash(g("add", 1, 2))
    assert graph_hash(g("mul", 2, 1)) == graph_hash(g("mul", 1, 2))
    assert graph_hash(g("sub", 2, 1)) != graph_hash(g("sub", 1, 2))
    assert graph_hash(gru_graph()) != graph_hash(lstm_graph())
    assert canonical_form(g("add", 2, 1)) == "add(h,tanh(x))"


# --- the six mutation operators -------------------------------------------------------------------


def as_lists(g: Graph):
    return [[n.op, list(n.args)] for n in g.nodes], list(g.outputs)


def small() -> Graph:
    # n2 = linear:0(x); n3 = sigmoid(n2); n4 = mul(n3, h); n5 = tanh(n4)
    return Graph(
        (
            Node("x"),
            Node("h"),
            Node("linear:0", (0,)),
            Node("sigmoid", (2,)),
            Node("mul", (3, 1)),
            Node("tanh", (4,)),
        ),
        (5,),
    )


def test_swap_activation_and_elementwise():
    rng = np.random.default_rng(0)
    nodes, outs = as_lists(small())
    assert _apply("swap activation", nodes, outs, 3, 2, rng) and nodes[3][0] != "sigmoid"
    assert not _apply("swap activation", nodes, outs, 4, 2, rng)  # mul is not an activation
    assert _apply("swap element-wise operation", nodes, outs, 4, 2, rng)
    assert nodes[4][0] in ("add", "sub")


def test_insert_activation_between_node_and_parent():
    rng = np.random.default_rng(1)
    nodes, outs = as_lists(small())
    assert _apply("insert activation", nodes, outs, 5, 2, rng)
    new = len(nodes) - 1
    assert nodes[5][1] == [new] and nodes[new][1] == [4]


def test_remove_node_with_one_input_and_one_output():
    rng = np.random.default_rng(2)
    nodes, outs = as_lists(small())
    assert _apply("remove node", nodes, outs, 3, 2, rng)  # sigmoid: one input, one reader
    assert nodes[4][1] == [2, 1]
    nodes, outs = as_lists(small())
    assert not _apply("remove node", nodes, outs, 4, 2, rng)  # mul has two inputs


def test_replace_with_ancestor_and_combine():
    rng = np.random.default_rng(3)
    nodes, outs = as_lists(small())
    assert _apply("replace with ancestor", nodes, outs, 4, 2, rng)
    assert nodes[5][1][0] in ancestors(small(), 4)
    nodes, outs = as_lists(small())
    assert _apply("combine with another node", nodes, outs, 3, 2, rng)
    new = len(nodes) - 1
    assert nodes[new][0] in ("add", "mul", "sub") and 3 in nodes[new][1]
    assert nodes[4][1][0] == new  # the reader of n3 now reads the combination
    other = [a for a in nodes[new][1] if a != 3][0]
    assert other not in (4, 5)  # never a descendant: the graph stays acyclic


@pytest.mark.parametrize("start", ["gru", "lstm"])
def test_mutations_are_well_formed_new_and_runnable(start):
    graph = gru_graph() if start == "gru" else lstm_graph()
    rng = np.random.default_rng(0)
    seen_ops = set()
    x = torch.randn(3, 2, H)
    for _ in range(40):
        child, applied = mutate(graph, rng, rate=0.15)
        check_graph(child)
        assert graph_hash(child) != graph_hash(graph) and applied
        assert child.state_size == graph.state_size
        assert set(applied) <= set(MUTATIONS)
        seen_ops |= set(applied)
        out, _ = unroll(GraphCell(child, H, H, members=2), x)
        assert out.shape == (2, 3, 2, H)
        graph = child if rng.random() < 0.5 else graph
    assert len(seen_ops) >= 5  # the operators all get used


def test_mutation_is_a_pure_function_of_the_generator():
    a = mutate(gru_graph(), np.random.default_rng(7))
    b = mutate(gru_graph(), np.random.default_rng(7))
    assert a == b
