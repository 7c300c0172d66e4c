"""Bidirectional and stacked networks (Lipton et al. 2015, Sec. 4.3): the BRNN against two
one-directional RNNs run sequence by sequence, padding that never leaks, members against single
networks."""

from __future__ import annotations

import pytest
import torch

from rnnbook.cells import SimpleCell
from rnnbook.models import EnsembleLinear, unroll
from rnnbook.models.bidirectional import (
    BidirectionalNetwork,
    StackedRecurrentNetwork,
    reverse_padded,
)

D = torch.float64


def test_reverse_padded_by_hand_and_is_an_involution():
    """Lengths (3, 1): [a b c] -> [c b a]; [d pad pad] -> [d pad pad]; twice gives back x."""
    x = torch.tensor([[1.0, 4.0], [2.0, 0.0], [3.0, 0.0]]).unsqueeze(-1)  # (T=3, B=2, 1)
    r = reverse_padded(x, torch.tensor([3, 1]))
    assert r[:, 0, 0].tolist() == [3.0, 2.0, 1.0] and r[:, 1, 0].tolist() == [4.0, 0.0, 0.0]
    torch.testing.assert_close(reverse_padded(r, torch.tensor([3, 1])), x)
    torch.testing.assert_close(reverse_padded(x, None), x.flip(0))


def test_reverse_padded_on_the_member_time_axis():
    x = torch.arange(2 * 4 * 3, dtype=D).view(2, 4, 3, 1)  # (E, T, B, 1)
    lengths = torch.tensor([4, 2, 3])
    r = reverse_padded(x, lengths, time_dim=1)
    for b, n in enumerate(lengths.tolist()):
        torch.testing.assert_close(r[:, :n, b], x[:, :n, b].flip(1))
        torch.testing.assert_close(r[:, n:, b], x[:, n:, b])


def test_reverse_padded_rejects_bad_lengths():
    with pytest.raises(ValueError, match="lengths"):
        reverse_padded(torch.zeros(3, 2, 1), torch.tensor([4, 1]))


def _one_direction(cell: SimpleCell, x: torch.Tensor) -> torch.Tensor:
    return unroll(cell, x)[0]


def test_brnn_equals_forward_and_backward_rnns_run_one_sequence_at_a_time():
    """y_t = W^{yh} h_t + W^{yz} z_t + b, with h over x_1..x_L and z over x_L..x_1 of each
    sequence alone (no padding at all): the batched, padded BRNN must give the same outputs on
    every real step, whatever the other sequences' lengths."""
    torch.manual_seed(0)
    net = BidirectionalNetwork("simple", 3, 4, 2, members=2, seeds=(5, 6)).double()
    lengths = torch.tensor([6, 2, 4])
    x = torch.randn(6, 3, 3, dtype=D)
    for b, n in enumerate(lengths.tolist()):
        x[n:, b] = 99.0  # garbage in the padding must not reach real steps
    y = net(x, lengths)
    w, bias = net.readout.weight, net.readout.bias
    for b, n in enumerate(lengths.tolist()):
        seq = x[:n, b : b + 1]
        h = _one_direction(net.forward_cell, seq)  # (E, n, 1, H)
        z = _one_direction(net.backward_cell, seq.flip(0)).flip(1)
        want = torch.einsum("etbh,eho->etbo", torch.cat([h, z], -1), w) + bias[:, None]
        torch.testing.assert_close(y[:, :n, b : b + 1], want, rtol=1e-12, atol=1e-12)


def test_one_directional_variants_keep_one_chain():
    fwd = BidirectionalNetwork("simple", 3, 4, 2, directions=("forward",))
    bwd = BidirectionalNetwork("simple", 3, 4, 2, directions=("backward",))
    assert hasattr(fwd, "forward_cell") and not hasattr(fwd, "backward_cell")
    assert hasattr(bwd, "backward_cell") and not hasattr(bwd, "forward_cell")
    assert fwd.readout.in_features == bwd.readout.in_features == 4
    x = torch.randn(5, 2, 3)
    assert fwd(x).shape == bwd(x, torch.tensor([5, 3])).shape == (1, 5, 2, 2)


def test_forward_only_output_at_t_ignores_the_future_and_backward_only_the_past():
    """Changing x_4 leaves the forward model's outputs at steps 0..3 unchanged; changing x_0
    leaves the backward model's outputs at steps 1..4 unchanged."""
    x = torch.randn(5, 1, 3, dtype=D)
    x2 = x.clone()
    x2[4] += 1.0
    fwd = BidirectionalNetwork("lstm", 3, 4, 2, directions=("forward",)).double()
    torch.testing.assert_close(fwd(x)[:, :4], fwd(x2)[:, :4])
    x3 = x.clone()
    x3[0] += 1.0
    bwd = BidirectionalNetwork("lstm", 3, 4, 2, directions=("backward",)).double()
    torch.testing.assert_close(bwd(x)[:, 1:], bwd(x3)[:, 1:])
    assert not torch.allclose(bwd(x)[:, 0], bwd(x3)[:, 0])


def test_brnn_member_equals_single_network():
    x = torch.randn(4, 2, 3, dtype=D)
    lengths = torch.tensor([4, 3])
    stack = BidirectionalNetwork("gru", 3, 5, 2, members=2, seeds=(1, 2)).double()
    single = BidirectionalNetwork("gru", 3, 5, 2, members=1, seeds=(2,)).double()
    torch.testing.assert_close(stack(x, lengths)[1], single(x, lengths)[0], rtol=1e-13, atol=0)


def test_unknown_direction_is_named():
    with pytest.raises(ValueError, match="'sideways'"):
        BidirectionalNetwork("simple", 2, 3, 1, directions=("sideways",))


def test_stacked_network_equals_layers_composed_by_hand():
    """Layer 2 reads layer 1's states; the readout reads layer 2's."""
    x = torch.randn(5, 2, 3, dtype=D)
    net = StackedRecurrentNetwork("lstm", 3, 4, 2, layers=2, members=2, peephole=False).double()
    h1, _ = unroll(net.cells[0], x)
    h2, _ = unroll(net.cells[1], h1)
    torch.testing.assert_close(net(x), net.readout(h2))
    assert isinstance(net.readout, EnsembleLinear) and len(net.cells) == 2
    single = StackedRecurrentNetwork("lstm", 3, 4, 2, 2, 1, seeds=(1,), peephole=False).double()
    torch.testing.assert_close(net(x)[1], single(x)[0], rtol=1e-13, atol=0)
    with pytest.raises(ValueError, match="at least one layer"):
        StackedRecurrentNetwork("lstm", 3, 4, 2, layers=0)
