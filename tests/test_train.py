"""The training loop: per-member clipping and learning rates, weight noise, early stopping,
resuming, the divergence guard and the learning-rate schedule.

The central identity: a stacked model of E members trains exactly as E separate one-member runs
(same seeds, same batches), whatever the optimiser, learning rates or weight noise. Everything
else (resuming, divergence) is checked by comparing two runs that must agree.
"""

from __future__ import annotations

import math
import warnings
from itertools import pairwise

import numpy as np
import pytest
import torch

from rnnbook.data.batches import SequenceBatch, length_bucketed_order, pad_next_step, sorted_batches
from rnnbook.models import EnsembleLinear, RecurrentNetwork
from rnnbook.train import (
    DivergenceWarning,
    FitResult,
    TrainConfig,
    clip_member_grads,
    fit,
    lr_schedule,
)
from rnnbook.train.metrics import bernoulli_loss, evaluate_bernoulli_nll
from rnnbook.train.optim import (
    WeightNoise,
    make_optimizer,
    member_grad_norms,
    parameter_groups,
    scale_update,
    snapshot,
)
from rnnbook.train.search import choose_lr

K = 4  # notes per frame


class Task:
    """A tiny next-step piano-roll task: 12 training sequences in 3 batches per epoch."""

    def __init__(self, dtype=torch.float64):
        rng = np.random.default_rng(0)
        train = [(rng.random((n, K)) > 0.6).astype(np.float32) for n in rng.integers(3, 8, 12)]
        valid = [(rng.random((n, K)) > 0.6).astype(np.float32) for n in rng.integers(3, 8, 4)]
        self.dtype = dtype
        self.lengths = [len(s) for s in train]
        self.train = train
        self.valid = [self.cast(b) for b in sorted_batches(valid)]
        self._epochs: dict[int, list[SequenceBatch]] = {}

    def cast(self, b: SequenceBatch) -> SequenceBatch:
        return SequenceBatch(b.inputs.to(self.dtype), b.targets.to(self.dtype), b.mask)

    def batches(self, epoch: int) -> list[SequenceBatch]:
        if epoch not in self._epochs:
            order = length_bucketed_order(self.lengths, 4, seed=epoch)
            self._epochs[epoch] = [
                self.cast(pad_next_step([self.train[i] for i in idx])) for idx in order
            ]
        return self._epochs[epoch]

    def evaluate(self, model):
        return evaluate_bernoulli_nll(model, self.valid)

    def model(self, seeds, kind="gru"):
        return RecurrentNetwork(kind, K, 5, K, members=len(seeds), seeds=seeds).to(self.dtype)

    def fit(
        self,
        seeds,
        config,
        kind="gru",
        loss_fn=bernoulli_loss,
        evaluate=None,
        model=None,
        batches=None,
        **kw,
    ):
        model = model if model is not None else self.model(seeds, kind)
        result = fit(
            model,
            batches or self.batches,
            loss_fn,
            evaluate or self.evaluate,
            config,
            seeds=seeds,
            progress=False,
            **kw,
        )
        return model, result


@pytest.fixture(scope="module")
def task():
    return Task()


def member_params(model, e):
    return [p[e].detach().clone() for p in model.parameters()]


def assert_members_close(model_a, e_a, model_b, e_b, tol=1e-9):
    for p, q in zip(member_params(model_a, e_a), member_params(model_b, e_b), strict=True):
        torch.testing.assert_close(p, q, rtol=tol, atol=tol)


def assert_models_equal(a, b):
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name


def curves_without_time(result):
    return {k: v for k, v in result.curves.items() if k != "wall_time_s"}


# --- gradient clipping -------------------------------------------------------------------------


def grads(*member_grads):
    """Parameters (E, 3) and (E, 2, 2) whose gradients are the given per-member 7-vectors."""
    g = torch.tensor(member_grads, dtype=torch.float64)
    a = torch.zeros(len(g), 3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(g), 2, 2, dtype=torch.float64, requires_grad=True)
    a.grad, b.grad = g[:, :3].clone(), g[:, 3:].reshape(-1, 2, 2).clone()
    return [a, b]


def flat(params, e):
    return torch.cat([p.grad[e].flatten() for p in params])


def test_clip_member_grads_rescales_each_member_on_its_own():
    """Pascanu et al. 2013, Alg. 1, per member: ||g|| > c gives g <- c g / ||g|| (norm exactly c,
    cosine 1 with the original); ||g|| <= c leaves g bitwise untouched; the pre-clip norms are
    returned. Members do not see each other's norms (no global norm)."""
    big = [3.0, 0, 4.0, 0, 0, 12.0, 0]  # norm 13
    small = [0.1, -0.2, 0, 0.2, 0, 0, 0]  # norm 0.3
    huge = [100.0] * 7
    params = grads(big, small, huge)
    originals = [flat(params, e).clone() for e in range(3)]
    norms = clip_member_grads(params, 1.0)
    torch.testing.assert_close(
        norms, torch.tensor([13.0, 0.3, 100 * math.sqrt(7)], dtype=torch.float64)
    )
    for e in (0, 2):
        g = flat(params, e)
        assert g.norm().item() == pytest.approx(1.0, abs=1e-12)
        cos = torch.dot(g, originals[e]) / (g.norm() * originals[e].norm())
        assert cos.item() == pytest.approx(1.0, abs=1e-12)
    assert torch.equal(flat(params, 1), originals[1])
    # member 0's clipped gradient is the same without the huge member next to it
    alone = grads(big)
    clip_member_grads(alone, 1.0)
    assert torch.equal(flat(alone, 0), flat(params, 0))
    torch.testing.assert_close(
        member_grad_norms(params), torch.tensor([1.0, 0.3, 1.0], dtype=torch.float64)
    )


def test_clip_member_grads_zero_gradient_stays_zero():
    """A zero gradient has norm 0 and stays 0 (no 0/0)."""
    params = grads([0.0] * 7, [2.0] * 7)
    norms = clip_member_grads(params, 0.5)
    assert norms[0].item() == 0.0
    assert torch.equal(flat(params, 0), torch.zeros(7, dtype=torch.float64))
    assert flat(params, 1).norm().item() == pytest.approx(0.5, abs=1e-12)


# --- per-member learning rates ------------------------------------------------------------------

OPTIMISER_CONFIGS = {
    "sgd": dict(optimizer="sgd", momentum=0.9, lr=(0.3, 0.1, 0.6)),
    "rmsprop": dict(optimizer="rmsprop", lr=(1e-2, 3e-3, 3e-2)),
    "adam": dict(optimizer="adam", lr=(1e-2, 3e-3, 3e-2)),
    "adamw": dict(optimizer="adamw", weight_decay=0.1, lr=(1e-2, 3e-3, 3e-2)),
}


@pytest.mark.parametrize("weight_noise", [0.0, 0.05])
@pytest.mark.parametrize("name", list(OPTIMISER_CONFIGS))
def test_stacked_members_equal_separate_runs(task, name, weight_noise):
    """Per-member learning rates are exact: a 3-member model trained with lrs (a, b, c) has member
    e equal to a one-member model trained alone with lr e (same seed, batches, weight-noise stream).

    ``scale_update`` turns the optimiser's step at relative rate 1 into each member's step, which
    is exact because every update rule here is linear in the learning rate."""
    kw = dict(OPTIMISER_CONFIGS[name], max_epochs=2, weight_noise=weight_noise)
    seeds = (0, 1, 2)
    stacked, res = task.fit(seeds, TrainConfig(**kw))
    assert res.updates == 6
    init = task.model(seeds)
    for e, (seed, lr) in enumerate(zip(seeds, kw["lr"], strict=True)):
        single, res1 = task.fit((seed,), TrainConfig(**dict(kw, lr=lr)))
        assert_members_close(stacked, e, single, 0)
        np.testing.assert_allclose(
            np.array(res.curves["valid_nll"])[:, e],
            np.array(res1.curves["valid_nll"])[:, 0],
            rtol=1e-9,
        )
        moved = max(
            (p - q).abs().max().item()
            for p, q in zip(member_params(stacked, e), member_params(init, e), strict=True)
        )
        assert moved > 1e-4  # training did something


TORCH_OPTIMISERS = {
    "sgd": (torch.optim.SGD, dict(momentum=0.9, weight_decay=0.01)),
    "rmsprop": (torch.optim.RMSprop, dict(alpha=0.9, eps=1e-8, momentum=0.5)),
    "adam": (torch.optim.Adam, dict(eps=1e-8, weight_decay=0.01)),
    "adamw": (torch.optim.AdamW, dict(eps=1e-8, weight_decay=0.1)),
}


@pytest.mark.parametrize("name", list(TORCH_OPTIMISERS))
def test_scale_update_equals_torch_optimiser_at_the_member_lr(name):
    """The linearity claim behind ``scale_update``: stepping at relative rate 1 and then setting
    p <- p_before + lr_e (p_after - p_before) is the PyTorch optimiser run at lr_e, member by
    member (decoupled AdamW decay included), over several steps with gradients that depend on p."""
    cls, kw = TORCH_OPTIMISERS[name]
    lrs = torch.tensor([0.05, 0.2, 0.01], dtype=torch.float64)
    start = torch.randn(3, 4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    target = torch.randn(3, 4, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def grad(p, t):
        return (p.detach() - t) ** 3 + 0.1 * p.detach()

    param = torch.nn.Parameter(start.clone())
    groups = parameter_groups(torch.nn.ParameterList([param]), kw.get("weight_decay", 0.0))
    ours = make_optimizer(name, groups, **{k: v for k, v in kw.items() if k != "weight_decay"})
    refs = [start[e].clone().requires_grad_() for e in range(3)]
    torch_opts = [cls([r], lr=lrs[e].item(), **kw) for e, r in enumerate(refs)]
    for _ in range(4):
        param.grad = grad(param, target)
        before = snapshot([param])
        ours.step()
        scale_update([param], before, lrs)
        for e, (r, opt) in enumerate(zip(refs, torch_opts, strict=True)):
            r.grad = grad(r, target[e])
            opt.step()
    for e in range(3):
        torch.testing.assert_close(param[e], refs[e], rtol=1e-10, atol=1e-12)
    assert (param - start).abs().max() > 1e-3


# --- weight noise -------------------------------------------------------------------------------


def test_weight_noise_remove_restores_clean_weights_bitwise():
    """add() perturbs every weight (not the biases); remove() puts back the clean bits."""
    model = RecurrentNetwork("lstm", 3, 4, 2, members=2, seeds=(1, 2))
    clean = {n: p.detach().clone() for n, p in model.named_parameters()}
    noise = WeightNoise(model, 0.1, seeds=(1, 2))
    noise.add()
    for n, p in model.named_parameters():
        if n.rsplit(".", 1)[-1].startswith("bias"):
            assert torch.equal(p, clean[n]), n
        else:
            assert not torch.equal(p, clean[n]), n
    noise.remove()
    for n, p in model.named_parameters():
        assert torch.equal(p, clean[n]), n


def test_weight_noise_gradient_is_taken_at_the_noisy_weights():
    """Linear toy: L = 1/2 sum ||x_e W_e + b_e||^2 has dL/dW_e = x_e^T (x_e W_e + b_e), which must
    be evaluated at the noisy W_e (Graves 2011) while the update applies to the clean W_e."""
    lin = EnsembleLinear(3, 2, members=2, seeds=(0, 1)).double()
    x = torch.randn(2, 5, 3, dtype=torch.float64)
    clean = lin.weight.detach().clone()
    noise = WeightNoise(lin, 0.3, seeds=(0, 1))
    noise.add()
    noisy = lin.weight.detach().clone()
    (0.5 * lin(x).pow(2).sum()).backward()
    noise.remove()
    assert torch.equal(lin.weight, clean)
    b = lin.bias.detach()
    at_noisy = x.transpose(1, 2) @ (x @ noisy + b)
    at_clean = x.transpose(1, 2) @ (x @ clean + b)
    torch.testing.assert_close(lin.weight.grad, at_noisy, rtol=1e-12, atol=1e-12)
    assert (lin.weight.grad - at_clean).abs().max() > 1e-3


def test_weight_noise_streams_are_per_member():
    """Member e's noise depends on its own seed only: the same draws as a one-member model."""
    stacked = EnsembleLinear(4, 3, members=2, seeds=(5, 6))
    single = EnsembleLinear(4, 3, members=1, seeds=(6,))
    n2, n1 = WeightNoise(stacked, 0.1, (5, 6)), WeightNoise(single, 0.1, (6,))
    for _ in range(2):  # the second draw continues the same stream
        before2, before1 = stacked.weight.detach().clone(), single.weight.detach().clone()
        n2.add()
        n1.add()
        assert torch.equal(stacked.weight[1] - before2[1], single.weight[0] - before1[0])
        assert not torch.allclose(stacked.weight[0] - before2[0], stacked.weight[1] - before2[1])
        n2.remove()
        n1.remove()


def test_weight_noise_zero_is_a_no_op():
    """sigma = 0 leaves the weights untouched and draws nothing."""
    lin = EnsembleLinear(3, 2)
    w = lin.weight.detach().clone()
    noise = WeightNoise(lin, 0.0, (0,))
    state = noise.state_dict()
    noise.add()
    assert torch.equal(lin.weight, w)
    noise.remove()
    assert torch.equal(noise.state_dict()[0], state[0])


# --- early stopping, patience, max_updates ------------------------------------------------------


class ScriptedEvaluate:
    """An evaluate() that returns a given metric per epoch and records the weights it saw."""

    def __init__(self, table):
        self.table, self.seen = table, []

    def __call__(self, model):
        self.seen.append([p.detach().clone() for p in model.parameters()])
        return {"nll": torch.tensor(self.table[len(self.seen) - 1], dtype=torch.float64)}


def weights_at(evaluate, epoch, e):
    return [p[e] for p in evaluate.seen[epoch - 1]]


def assert_member_is(model, e, weights):
    for p, w in zip(model.parameters(), weights, strict=True):
        assert torch.equal(p[e], w)


TABLE = [[5.0, 5.0], [3.0, 4.0], [4.0, 3.0], [6.0, 2.0], [7.0, 1.0], [8.0, 0.5]]


def test_early_stopping_keeps_best_epoch_weights(task):
    """Without patience each member ends at the weights of its best validation epoch:
    member 0's metric is lowest after epoch 2, member 1's after epoch 6."""
    ev = ScriptedEvaluate(TABLE)
    model, res = task.fit((0, 1), TrainConfig(optimizer="adam", lr=0.01, max_epochs=6), evaluate=ev)
    assert res.best_epoch == [2, 6] and res.best_metric == [3.0, 0.5]
    assert res.epochs == 6
    assert_member_is(model, 0, weights_at(ev, 2, 0))
    assert_member_is(model, 1, weights_at(ev, 6, 1))
    early, late = weights_at(ev, 2, 0), weights_at(ev, 6, 0)
    assert not all(torch.equal(a, b) for a, b in zip(early, late, strict=True))
    assert res.curves["valid_nll"] == TABLE


def test_patience_stops_a_member_and_freezes_it(task):
    """patience = 2: member 0 (best at epoch 2) stops after two worse epochs (epoch 4) and its
    weights do not move afterwards, even under Adam's momentum; member 1 improves to epoch 6."""
    ev = ScriptedEvaluate(TABLE)
    model, res = task.fit(
        (0, 1), TrainConfig(optimizer="adam", lr=0.01, max_epochs=6, patience=2), evaluate=ev
    )
    assert res.epochs == 6 and res.best_epoch == [2, 6]
    assert res.status == ["ok", "ok"]
    for epoch in (5, 6):
        for a, b in zip(weights_at(ev, 4, 0), weights_at(ev, epoch, 0), strict=True):
            assert torch.equal(a, b)
    assert_member_is(model, 0, weights_at(ev, 2, 0))
    assert_member_is(model, 1, weights_at(ev, 6, 1))


def test_training_ends_when_every_member_stopped(task):
    """patience = 1 and metrics that only get worse after epoch 1: training ends after epoch 2."""
    ev = ScriptedEvaluate([[1.0, 1.0], [2.0, 2.0]] + [[3.0, 3.0]] * 8)
    model, res = task.fit((0, 1), TrainConfig(lr=0.01, max_epochs=10, patience=1), evaluate=ev)
    assert res.epochs == 2 and res.best_epoch == [1, 1]
    assert_member_is(model, 0, weights_at(ev, 1, 0))


def test_max_updates_stops_mid_epoch(task):
    """max_updates = 5 with 3 batches per epoch: 3 updates, then 2, then stop (2 epochs)."""
    _, res = task.fit((0,), TrainConfig(lr=0.01, max_epochs=10, max_updates=5))
    assert res.updates == 5 and res.epochs == 2
    assert res.curves["updates"] == [3, 5]


# --- resuming -----------------------------------------------------------------------------------

RESUME = TrainConfig(
    optimizer="rmsprop", lr=(3e-2, 1e-2), momentum=0.5, weight_noise=0.05, max_epochs=6
)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    task = Task(torch.float32)
    ckpt = tmp_path_factory.mktemp("a") / "a.pt"
    model, res = task.fit((3, 4), RESUME, kind="lstm", checkpoint=ckpt)
    return task, model, res


def assert_same_run(model, res, ref_model, ref_res):
    assert_models_equal(model, ref_model)
    assert curves_without_time(res) == curves_without_time(ref_res)
    assert (res.best_epoch, res.best_metric, res.epochs, res.updates, res.finished) == (
        ref_res.best_epoch,
        ref_res.best_metric,
        ref_res.epochs,
        ref_res.updates,
        ref_res.finished,
    )


def test_resume_after_interrupt_is_exact(uninterrupted, tmp_path):
    """Killed in the middle of epoch 4 and restarted from its checkpoint, a run (weight noise,
    RMSprop with momentum: optimiser and noise-generator state matter) ends bitwise where an
    uninterrupted run ends: weights, curves, best epochs."""
    task, ref_model, ref = uninterrupted
    ckpt = tmp_path / "b.pt"

    def killed(epoch):
        for k, batch in enumerate(task.batches(epoch)):
            if epoch == 3 and k == 1:
                raise KeyboardInterrupt
            yield batch

    model = task.model((3, 4), "lstm")
    with pytest.raises(KeyboardInterrupt):
        task.fit((3, 4), RESUME, model=model, batches=killed, checkpoint=ckpt)
    saved = torch.load(ckpt, weights_only=False)
    assert saved["trainer"]["epoch"] == 3
    # the interrupted call had already moved the weights past the checkpoint
    assert any(not torch.equal(p, saved["model"][n]) for n, p in model.named_parameters())
    model, res = task.fit((3, 4), RESUME, model=model, checkpoint=ckpt)
    assert_same_run(model, res, ref_model, ref)


def test_time_budget_returns_unfinished_then_resumes(uninterrupted, tmp_path):
    """time_budget_s = 0 stops after one epoch with finished=False; the next call finishes the run,
    identical to the uninterrupted one."""
    task, ref_model, ref = uninterrupted
    ckpt = tmp_path / "c.pt"
    model, res = task.fit((3, 4), RESUME, kind="lstm", checkpoint=ckpt, time_budget_s=0)
    assert res.finished is False and res.epochs == 1
    model = task.model((7, 8), "lstm")  # a fresh process: all state comes from the checkpoint
    model, res = task.fit((3, 4), RESUME, model=model, checkpoint=ckpt)
    assert res.finished is True and res.epochs == 6
    assert_same_run(model, res, ref_model, ref)


def test_time_budget_counts_max_updates_as_finished(tmp_path):
    """A run that reaches max_updates in the epoch that exhausts its budget is finished: nothing
    is left for another call to do."""
    task = Task()
    config = TrainConfig(lr=1e-2, max_epochs=10, max_updates=3)
    _, res = task.fit((0,), config, checkpoint=tmp_path / "e.pt", time_budget_s=0)
    assert res.updates == 3 and res.epochs == 1
    assert res.finished is True


def test_checkpoint_of_another_config_is_ignored(uninterrupted, tmp_path):
    """A checkpoint written under another config is not resumed from (and says so)."""
    task, ref_model, ref = uninterrupted
    ckpt = tmp_path / "d.pt"
    other = TrainConfig(**{**RESUME.__dict__, "max_epochs": 1, "lr": (1.0, 1.0)})
    task.fit((3, 4), other, kind="lstm", checkpoint=ckpt)
    with pytest.warns(UserWarning, match="another config"):
        model, res = task.fit((3, 4), RESUME, kind="lstm", checkpoint=ckpt)
    assert_same_run(model, res, ref_model, ref)


def test_same_seed_is_bitwise_reproducible(uninterrupted):
    """Two runs with the same seeds on the CPU agree to the bit."""
    task, ref_model, ref = uninterrupted
    model, res = task.fit((3, 4), RESUME, kind="lstm")
    assert_same_run(model, res, ref_model, ref)


def test_seed_and_weight_noise_change_the_run(uninterrupted):
    """The reproducibility above is not vacuous: changing member 1's seed changes member 1 only,
    and switching the weight noise off changes the result (the noise really is applied)."""
    task = uninterrupted[0]
    short = TrainConfig(**{**RESUME.__dict__, "max_epochs": 2})
    model, _ = task.fit((3, 4), short, kind="lstm")
    other, _ = task.fit((3, 5), short, kind="lstm")
    assert torch.equal(other.cell.weight_hh[0], model.cell.weight_hh[0])
    assert not torch.allclose(other.cell.weight_hh[1], model.cell.weight_hh[1])
    clean, _ = task.fit((3, 4), TrainConfig(**{**short.__dict__, "weight_noise": 0.0}), kind="lstm")
    assert not torch.allclose(clean.cell.weight_hh, model.cell.weight_hh)


# --- divergence guard ---------------------------------------------------------------------------


def poisoned(member, at_call, seen=None):
    """bernoulli_loss, except that at call ``at_call`` member ``member``'s loss (and so its
    gradient) becomes NaN; ``seen`` records that member's weights at that moment."""
    calls = [0]

    def loss_fn(model, batch):
        calls[0] += 1
        losses = bernoulli_loss(model, batch)
        if calls[0] == at_call:
            if seen is not None:
                seen.extend(p[member].detach().clone() for p in model.parameters())
            poison = torch.ones_like(losses)
            poison[member] = math.nan
            losses = losses * poison
        return losses

    return loss_fn


def test_divergence_guard_stops_only_the_bad_member(task):
    """At update 5 (epoch 2) member 1's loss is NaN: it is marked ``diverged``, a DivergenceWarning
    names member, seed and epoch, its weights go back to its best epoch (1), and members 0 and 2
    train on exactly as in a run without member 1."""
    config = TrainConfig(optimizer="adam", lr=(1e-2, 2e-2, 3e-2), weight_noise=0.02, max_epochs=3)
    ev = ScriptedEvaluate([[3.0, 3.0, 3.0], [2.0, 2.0, 2.0], [1.0, 1.0, 1.0]])
    with pytest.warns(DivergenceWarning, match="member 1") as record:
        model, res = task.fit((5, 6, 7), config, loss_fn=poisoned(1, 5), evaluate=ev)
    assert len(record) == 1
    assert res.status == ["ok", "diverged", "ok"]
    msg = res.messages[1]
    assert "member 1" in msg and "seed 6" in msg and "epoch 2" in msg
    assert res.messages[0] == res.messages[2] == ""
    assert res.best_epoch == [3, 1, 3]
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert_member_is(model, 1, weights_at(ev, 1, 1))

    ev2 = ScriptedEvaluate([[3.0, 3.0], [2.0, 2.0], [1.0, 1.0]])
    config2 = TrainConfig(**{**config.__dict__, "lr": (1e-2, 3e-2)})
    clean, res2 = task.fit((5, 7), config2, evaluate=ev2)
    assert_members_close(model, 0, clean, 0)
    assert_members_close(model, 2, clean, 1)
    loss = np.array(res.curves["train_loss"])
    np.testing.assert_allclose(loss[:, [0, 2]], np.array(res2.curves["train_loss"]), rtol=1e-9)


def test_divergence_before_any_evaluation_leaves_weights_untouched(task):
    """Diverging at update 2 (no best epoch yet): the member keeps the finite weights it had just
    before the bad update, bitwise; best_epoch stays -1."""
    seen = []
    config = TrainConfig(optimizer="adam", lr=1e-2, max_epochs=2)
    with pytest.warns(DivergenceWarning, match="seed 9"):
        model, res = task.fit((8, 9), config, loss_fn=poisoned(1, 2, seen))
    assert res.status == ["ok", "diverged"] and res.best_epoch[1] == -1
    assert "epoch 1" in res.messages[1]
    assert_member_is(model, 1, seen)
    assert res.best_epoch[0] >= 1


def test_non_finite_validation_metric_marks_divergence(task):
    """A NaN validation metric also stops the member, which keeps its best weights."""
    ev = ScriptedEvaluate([[2.0, 2.0], [1.0, math.nan], [0.5, 0.5]])
    with pytest.warns(DivergenceWarning, match="member 1"):
        model, res = task.fit((0, 1), TrainConfig(lr=1e-2, max_epochs=3), evaluate=ev)
    assert res.status == ["ok", "diverged"] and res.best_epoch == [3, 1]
    assert_member_is(model, 1, weights_at(ev, 1, 1))


def test_healthy_run_emits_no_divergence_warning(task):
    """No warning when nothing diverges."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        _, res = task.fit((0, 1), TrainConfig(lr=1e-2, max_epochs=1))
    assert res.status == ["ok", "ok"]


# --- schedule and config -----------------------------------------------------------------------


def test_cosine_schedule_hand_values():
    """Warm-up over int(0.2 * 10) = 2 updates: (u + 1) / 2 = 0.5, 1.0; then
    0.5 (1 + cos(pi (u - 2) / 8)): u=2 -> 1, u=4 -> 0.5 + sqrt(2)/4 = 0.85355, u=6 -> 0.5,
    u=10 -> 0."""
    expected = {0: 0.5, 1: 1.0, 2: 1.0, 4: 0.5 + math.sqrt(2) / 4, 6: 0.5, 10: 0.0}
    for u, value in expected.items():
        assert lr_schedule("cosine", u, 10, 0.2) == pytest.approx(value, abs=1e-12), u
    values = [lr_schedule("cosine", u, 10, 0.2) for u in range(2, 11)]
    assert all(a >= b for a, b in pairwise(values))
    assert lr_schedule("cosine", 0, 10) == 1.0  # no warm-up
    assert lr_schedule("constant", 7, 10, 0.5) == 1.0


def test_unknown_schedule_is_named():
    """A misspelt schedule is a ValueError that quotes it."""
    with pytest.raises(ValueError, match="'linear'"):
        lr_schedule("linear", 0, 10)
    with pytest.raises(ValueError, match="linear:fast"):
        lr_schedule("linear:fast", 0, 10)


def test_linear_schedule_hand_values():
    """linear:0.01 goes from 1 to 0.01 in a straight line and stays there."""
    values = [lr_schedule("linear:0.01", u, 4) for u in (0, 1, 2, 4, 9)]
    assert values == pytest.approx([1.0, 0.7525, 0.505, 0.01, 0.01])


def test_schedule_needs_max_updates(task):
    """A cosine schedule has no end without max_updates."""
    with pytest.raises(ValueError, match="max_updates"):
        task.fit((0,), TrainConfig(schedule="cosine", max_epochs=1))


def test_config_rejects_unknown_optimizer():
    """TrainConfig(optimizer='lbfgs') is a ValueError that quotes the name."""
    with pytest.raises(ValueError, match="lbfgs"):
        TrainConfig(optimizer="lbfgs")


def test_config_learning_rate_count_must_match_members(task):
    """One learning rate per member, or one for all."""
    assert TrainConfig(lr=0.1).member_lrs(3) == (0.1, 0.1, 0.1)
    with pytest.raises(ValueError, match="2 learning rates given for 3 members"):
        TrainConfig(lr=(0.1, 0.2)).member_lrs(3)
    with pytest.raises(ValueError, match="1 seeds for 2 members"):
        task.fit((0,), TrainConfig(), model=task.model((0, 1)))


def test_choose_lr_keeps_the_lowest_validation_score_and_skips_diverged_candidates():
    result = FitResult(
        best_metric=[2.0, 1.5, float("nan"), 0.5],
        best_epoch=[3, 4, -1, 2],
        status=["ok", "ok", "ok", "diverged"],
        wall_time_s=7.0,
    )
    chosen = choose_lr((0.1, 0.2, 0.3, 0.4), result, "valid_nll", name="job")
    # 0.4 scored lowest but diverged; 0.3's score is not finite: 0.2 is the best usable rate
    assert chosen["lr"] == 0.2 and chosen["wall_time_s"] == 7.0
    assert chosen["search"][3] == {"lr": 0.4, "valid_nll": None}
    detailed = choose_lr((0.1, 0.2, 0.3, 0.4), result, "valid_cost", name="job", details=True)
    assert detailed["search"][0] == {"lr": 0.1, "valid_cost": 2.0, "best_epoch": 3, "status": "ok"}


def test_choose_lr_names_the_job_when_every_candidate_diverged():
    result = FitResult(best_metric=[1.0, 1.0], best_epoch=[-1, -1], status=["diverged"] * 2)
    with pytest.raises(RuntimeError, match="jsb-gru: every learning-rate candidate diverged"):
        choose_lr((0.1, 1.0), result, "valid_nll", name="jsb-gru")
