"""Training SGD, SGD-C and SGD-CR side by side (Pascanu et al. 2013): per-member clipping
thresholds, the stop on a solved task, and the central identity of the batched sweep: the members
of one stacked job train exactly as the same runs done one by one."""

from __future__ import annotations

import math

import pytest
import torch

from rnnbook.experiments import pascanu2013 as p13
from rnnbook.train import TrainConfig, clip_member_grads, fit
from rnnbook.train.optim import member_grad_norms

# tiny models: one thread (two threads on a busy machine wait on each other)
pytestmark = pytest.mark.usefixtures("one_thread")


def grads(*member_grads):
    g = torch.tensor(member_grads, dtype=torch.float64)
    a = torch.zeros(len(g), 3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(g), 4, dtype=torch.float64, requires_grad=True)
    a.grad, b.grad = g[:, :3].clone(), g[:, 3:].clone()
    return [a, b]


def test_per_member_thresholds_clip_each_member_to_its_own():
    """Thresholds (1, inf, 50): norms 13, 0.3 and 100 sqrt(7) become 1, 0.3 (untouched, and
    it would be even above the threshold: inf never clips) and 50."""
    params = grads([3.0, 0, 4.0, 0, 0, 12.0, 0], [100.0] * 7, [100.0] * 7)
    before = [p.grad.clone() for p in params]
    norms = clip_member_grads(params, torch.tensor([1.0, math.inf, 50.0], dtype=torch.float64))
    torch.testing.assert_close(
        norms, torch.tensor([13.0, 100 * math.sqrt(7)] * 2)[[0, 1, 3]].double()
    )
    torch.testing.assert_close(
        member_grad_norms(params), torch.tensor([1.0, 100 * math.sqrt(7), 50.0]).double()
    )
    assert all(torch.equal(p.grad[1], b[1]) for p, b in zip(params, before))


def test_clip_norm_tuple_is_checked():
    cfg = TrainConfig(clip_norm=(1.0, None, float("inf")))
    clip = cfg.member_clip_norms(3)
    assert clip.tolist() == [1.0, math.inf, math.inf]
    assert TrainConfig(clip_norm=2.0).member_clip_norms(3) == 2.0  # the scalar path is untouched
    assert TrainConfig(clip_norm=None).member_clip_norms(3) is None
    with pytest.raises(ValueError, match="2 clipping thresholds given for 3 members"):
        TrainConfig(clip_norm=(1.0, 2.0)).member_clip_norms(3)
    with pytest.raises(ValueError, match="positive"):
        TrainConfig(clip_norm=(1.0, 0.0, 2.0)).member_clip_norms(3)


# --- the batched sweep ---------------------------------------------------------------------------

TINY = dict(
    task="temporal_order",
    length=12,
    init="basic_tanh",
    methods=p13.METHODS,
    seeds=(3, 4),
    max_updates=8,
    eval_every=4,
    n_valid=16,
    n_test=16,
    batch_size=5,
    lr=0.05,
    clip=0.02,  # small: clipping acts from the first update
    alpha=4.0,
)


def train(config, stop_below=None):
    """Train a job's members in float64 and return the model and the fit result."""
    members = config.members()
    model = p13.build_model(config, members).double()
    data = p13.TaskData(config, members, "cpu")

    def batches(epoch):
        for x, y in data.epoch(epoch):
            yield x.double(), y

    def evaluate(m):
        return data.score(m, [(x.double(), y) for x, y in data.valid])

    result = fit(
        model,
        batches,
        p13.task_loss_fn(config),
        evaluate,
        config.train_config(),
        seeds=[s for _, s in members],
        progress=False,
        stop_below=stop_below,
    )
    return model, result


def member(model, e):
    return [p[e].detach().clone() for p in model.parameters()]


def test_a_batched_job_equals_its_runs_one_by_one():
    """Six members (SGD, SGD-C, SGD-CR x seeds 3, 4) trained together end where each ends when
    trained alone: per-member clipping (inf for SGD), Omega only for SGD-CR, each member's data
    from its own seed."""
    config = p13.TaskRunConfig(**TINY)
    stacked, res = train(config)
    assert res.updates == 8
    for e, (method, seed) in enumerate(config.members()):
        alone = p13.TaskRunConfig(**dict(TINY, methods=(method,), seeds=(seed,)))
        single, res1 = train(alone)
        for p, q in zip(member(stacked, e), member(single, 0), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-10, atol=1e-12)
        assert res.curves["valid_error"][-1][e] == res1.curves["valid_error"][-1][0]
    # the three methods really differ: clipping and Omega changed the updates
    sgd, sgd_c, sgd_cr = (member(stacked, e) for e in (0, 2, 4))
    assert not torch.allclose(sgd[1], sgd_c[1]) and not torch.allclose(sgd_c[1], sgd_cr[1])
    assert max(res.curves["grad_norm_max"][0]) > TINY["clip"]


def test_same_seed_same_start_and_same_data_for_every_method():
    """SGD, SGD-C and SGD-CR of one seed start from the same weights and see the same batches."""
    config = p13.TaskRunConfig(**TINY)
    members = config.members()
    model = p13.build_model(config, members)
    for a, b in ((0, 2), (0, 4)):
        for p, q in zip(member(model, a), member(model, b)):
            assert torch.equal(p, q)
    data = p13.TaskData(config, members, "cpu")
    x, y = next(data.epoch(0))
    assert torch.equal(x[0], x[2]) and torch.equal(y[1], y[5]) and not torch.equal(x[0], x[1])


def test_a_member_stops_once_solved():
    """With ``stop_below`` a member whose validation error drops below it stops (status ok, a
    "reached" message) and keeps its weights; the others go on."""
    config = p13.TaskRunConfig(**dict(TINY, methods=("sgd",), seeds=(0,), max_updates=40))
    _, free = train(config)
    threshold = sorted(v[0] for v in free.curves["valid_error"])[
        len(free.curves["valid_error"]) // 2
    ]
    model, res = train(config, stop_below=threshold + 1e-9)
    assert res.status == ["ok"] and res.messages[0].startswith("reached")
    assert res.updates < free.updates
    assert res.curves["valid_error"][-1][0] <= threshold
