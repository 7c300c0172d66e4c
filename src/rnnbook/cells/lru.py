"""The Linear Recurrent Unit of Orvieto et al. (2023) and the recurrences of its ablation ladder.

The LRU (Sec. 3 and Appendix A of the paper) is a complex diagonal linear recurrence

    h_t = lambda * h_{t-1} + gamma * (B u_t),        y_t = Re(C h_t) + D * u_t,

with ``lambda = exp(-exp(nu_log) + i exp(theta_log))`` (the *stable exponential*
parameterisation, Eq. 6), ``gamma = exp(gamma_log)`` initialised at ``sqrt(1 - |lambda|^2)``
(the normalisation of Sec. 3.4), and eigenvalues drawn uniformly on a ring of the complex plane
(Lemma 3.2). The ladder of Sec. 3 reaches it from a tanh RNN one change at a time; every rung is a
recurrence here (``LADDER``).

Shapes, with E stacked members, input width H_in, state size N and output width H_out:

- ``nu_log``, ``theta_log``, ``gamma_log`` (or the other parameterisations' pairs): (E, N);
- ``B_re``, ``B_im``: (E, H_in, N), so that ``u @ B`` maps a row of inputs to the state;
- ``C_re``, ``C_im``: (E, N, H_out); ``D``: (E, 1, H_out).

Complex parameters are stored as real pairs so that every optimiser, clipping and weight-noise
routine of :mod:`rnnbook.train` sees plain real tensors. The initialisers are pure functions of a
shape and a ``torch.Generator``: member ``e`` of a stacked layer equals a one-member layer
built with ``seeds[e]``.

The recurrence itself is computed by a scan (:mod:`rnnbook.models.scan`): this module only
provides ``lambda``, the normalised input ``gamma * (B u)`` and the readout.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from rnnbook.cells.core import member_seeds

# --- pure initialisers (Orvieto et al. 2023, Lemma 3.2 and Appendix A) --------------------------


def ring_uniform(
    n: int, r_min: float, r_max: float, max_phase: float, g: torch.Generator
) -> tuple[Tensor, Tensor]:
    """``n`` eigenvalues uniform on the ring ``r_min <= |lambda| <= r_max``, phase in
    ``[0, max_phase]``, returned as ``(nu, theta)`` with ``lambda = exp(-nu + i theta)``.

    Uniform in *area*: ``|lambda|^2 = u (r_max^2 - r_min^2) + r_min^2`` with ``u ~ U[0, 1]``, so
    ``nu = -log|lambda| = -1/2 log(u (r_max^2 - r_min^2) + r_min^2)`` (Lemma 3.2); the phase is
    ``theta = max_phase * u'``. ``r_min = 0, r_max = 1, max_phase = 2 pi`` is the uniform unit
    disk, the eigenvalue law of a Glorot-initialised dense matrix (the strong circular law).
    Draws are float64 so that radii close to 1 keep their precision.
    """
    if not 0.0 <= r_min <= r_max <= 1.0:
        raise ValueError(f"need 0 <= r_min <= r_max <= 1, got r_min={r_min}, r_max={r_max}")
    if max_phase <= 0:
        raise ValueError(f"max_phase must be positive, got {max_phase}")
    u1 = torch.rand(n, generator=g, dtype=torch.float64)
    u2 = torch.rand(n, generator=g, dtype=torch.float64)
    radius_sq = u1 * (r_max**2 - r_min**2) + r_min**2
    nu = -0.5 * torch.log(radius_sq.clamp_min(1e-300))
    return nu, max_phase * u2


def nu_log_init(nu: Tensor) -> Tensor:
    """``nu_log = log(nu)``: the stable exponential parameterisation's modulus parameter."""
    return torch.log(nu.clamp_min(1e-12))


def theta_log_init(theta: Tensor) -> Tensor:
    """``theta_log = log(theta)``: the phase is ``exp(theta_log)`` (Appendix A)."""
    return torch.log(theta.clamp_min(1e-12))


def gamma_log_init(nu: Tensor) -> Tensor:
    """``gamma_log = log sqrt(1 - |lambda|^2)`` with ``|lambda| = exp(-nu)`` (Sec. 3.4).

    Computed as ``1/2 log(1 - exp(-2 nu))`` with ``torch.expm1`` so that moduli near 1 do not
    lose their digits.
    """
    return 0.5 * torch.log((-torch.expm1(-2.0 * nu)).clamp_min(1e-300))


def b_init(shape: tuple[int, int], g: torch.Generator) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts of ``B`` (H_in, N), each ``N(0, 1 / (2 H_in))``.

    The complex entries then have variance ``1 / H_in`` (Glorot-like, Appendix A).
    """
    std = 1.0 / math.sqrt(2 * shape[0])
    return torch.randn(shape, generator=g) * std, torch.randn(shape, generator=g) * std


def c_init(shape: tuple[int, int], g: torch.Generator) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts of ``C`` (N, H_out), each ``N(0, 1 / N)`` (Appendix A)."""
    std = 1.0 / math.sqrt(shape[0])
    return torch.randn(shape, generator=g) * std, torch.randn(shape, generator=g) * std


def d_init(shape: tuple[int, ...], g: torch.Generator) -> Tensor:
    """The skip ``D``: ``N(0, 1)`` per output channel (Appendix A)."""
    return torch.randn(shape, generator=g)


def glorot_init(shape: tuple[int, int], g: torch.Generator) -> Tensor:
    """``N(0, 1 / fan_in)``: the dense recurrence's ``A`` (N, N) has eigenvalues that fill the unit
    disk uniformly as N grows (Sec. 3.1-3.2), its input and output matrices a unit gain."""
    return torch.randn(shape, generator=g) / math.sqrt(shape[0])


# --- the rungs of the ladder --------------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """One model of the ablation ladder (Sec. 3, Tables 1-3 of the paper).

    ``kind`` is ``"dense"`` (a real N x N recurrence, optionally with a nonlinearity) or
    ``"diagonal"`` (complex diagonal); ``param`` the diagonal's parameterisation; ``ring`` whether
    the task's ring initialisation replaces the unit disk; ``normalise`` whether the input is
    scaled by ``gamma``.
    """

    name: str
    title: str
    kind: str
    nonlinearity: str | None = None
    param: str = "stable_exp"
    ring: bool = True
    normalise: bool = True


#: From a tanh RNN to the LRU, in the paper's order (ReLU RNN listed but not in the default ladder).
LADDER: dict[str, Rung] = {
    r.name: r
    for r in (
        Rung("relu", "RNN with ReLU", "dense", nonlinearity="relu", ring=False, normalise=False),
        Rung("tanh", "RNN with tanh", "dense", nonlinearity="tanh", ring=False, normalise=False),
        Rung("dense", "linear, dense A", "dense", ring=False, normalise=False),
        Rung(
            "real_im",
            "diagonal, complex (Re + Im)",
            "diagonal",
            param="real_im",
            ring=False,
            normalise=False,
        ),
        Rung(
            "exp",
            "exponential parameterisation",
            "diagonal",
            param="exp",
            ring=False,
            normalise=False,
        ),
        Rung("stable_exp", "stable exponential", "diagonal", ring=False, normalise=False),
        Rung("ring", "+ ring initialisation", "diagonal", normalise=False),
        Rung("lru", "+ gamma normalisation (LRU)", "diagonal"),
    )
}
PARAMETERISATIONS = ("real_im", "exp", "stable_exp")


def get_rung(name: str) -> Rung:
    """The rung of the ladder called ``name``; a clear error for unknown names."""
    if name not in LADDER:
        raise ValueError(f"unknown ladder model {name!r}: choose one of {', '.join(LADDER)}")
    return LADDER[name]


# --- the diagonal recurrence --------------------------------------------------------------------


def _member_generators(seeds: Sequence[int], salt: int) -> list[torch.Generator]:
    return [torch.Generator().manual_seed(int(s) * 1_000_003 + salt) for s in seeds]


class LRUCell(nn.Module):
    """The LRU's complex diagonal recurrence, stacked over E members (Orvieto et al. 2023, Sec. 3).

    ``param`` selects how ``lambda`` is built from real parameters:

    - ``"stable_exp"`` (the LRU, Eq. 6): ``lambda = exp(-exp(nu_log) + i exp(theta_log))``,
      ``|lambda| < 1`` whatever the parameters;
    - ``"exp"``: ``lambda = exp(-nu + i theta)``, unstable once ``nu < 0``;
    - ``"real_im"``: ``lambda = a + i b`` (Sec. 3.2, "Real + Im").

    ``normalise`` multiplies the input by a trainable ``gamma = exp(gamma_log)`` initialised at
    ``sqrt(1 - |lambda|^2)`` (Sec. 3.4); without it ``gamma = 1``. The eigenvalues start uniform on
    the ring ``[r_min, r_max]`` with phase in ``[0, max_phase]`` whatever the parameterisation.
    ``salt`` separates the random streams of several layers built from the same seeds.
    """

    def __init__(
        self,
        input_size: int,
        state_size: int,
        output_size: int | None = None,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        *,
        param: str = "stable_exp",
        normalise: bool = True,
        r_min: float = 0.0,
        r_max: float = 1.0,
        max_phase: float = 2 * math.pi,
        salt: int = 0,
    ) -> None:
        super().__init__()
        if param not in PARAMETERISATIONS:
            raise ValueError(
                f"unknown parameterisation {param!r}: choose one of {', '.join(PARAMETERISATIONS)}"
            )
        output_size = input_size if output_size is None else output_size
        self.input_size, self.state_size, self.output_size = input_size, state_size, output_size
        self.members, self.param, self.normalise = members, param, normalise
        self.r_min, self.r_max, self.max_phase = r_min, r_max, max_phase
        e, n = members, state_size
        names = {"stable_exp": ("nu_log", "theta_log"), "exp": ("nu", "theta")}
        self._lambda_names = names.get(param, ("lambda_re", "lambda_im"))
        for name in self._lambda_names:
            self.register_parameter(name, nn.Parameter(torch.empty(e, n)))
        if normalise:
            self.gamma_log = nn.Parameter(torch.empty(e, n))
        self.B_re = nn.Parameter(torch.empty(e, input_size, n))
        self.B_im = nn.Parameter(torch.empty(e, input_size, n))
        self.C_re = nn.Parameter(torch.empty(e, n, output_size))
        self.C_im = nn.Parameter(torch.empty(e, n, output_size))
        self.D = nn.Parameter(torch.empty(e, 1, output_size))
        self.salt = salt
        self.reset_parameters(seeds if seeds is not None else range(members))

    @torch.no_grad()
    def reset_parameters(self, seeds: Sequence[int]) -> None:
        """Initialise member ``e`` from a generator seeded with ``seeds[e]`` (and ``salt``)."""
        seeds = member_seeds(seeds, self.members)
        for e, g in enumerate(_member_generators(seeds, self.salt)):
            nu, theta = ring_uniform(self.state_size, self.r_min, self.r_max, self.max_phase, g)
            if self.param == "stable_exp":
                first, second = nu_log_init(nu), theta_log_init(theta)
            elif self.param == "exp":
                first, second = nu, theta
            else:
                radius = torch.exp(-nu)
                first, second = radius * torch.cos(theta), radius * torch.sin(theta)
            getattr(self, self._lambda_names[0])[e].copy_(first)
            getattr(self, self._lambda_names[1])[e].copy_(second)
            if self.normalise:
                self.gamma_log[e].copy_(gamma_log_init(nu))
            b_re, b_im = b_init((self.input_size, self.state_size), g)
            self.B_re[e].copy_(b_re)
            self.B_im[e].copy_(b_im)
            c_re, c_im = c_init((self.state_size, self.output_size), g)
            self.C_re[e].copy_(c_re)
            self.C_im[e].copy_(c_im)
            self.D[e].copy_(d_init((1, self.output_size), g))

    # -- the pieces of the recurrence --

    def eigenvalues(self) -> Tensor:
        """``lambda``, complex (E, N)."""
        a, b = (getattr(self, n) for n in self._lambda_names)
        if self.param == "stable_exp":
            return torch.exp(torch.complex(-torch.exp(a), torch.exp(b)))
        if self.param == "exp":
            return torch.exp(torch.complex(-a, b))
        return torch.complex(a, b)

    def gamma(self) -> Tensor:
        """The input normalisation ``gamma`` (E, N); ones without normalisation."""
        if self.normalise:
            return torch.exp(self.gamma_log)
        return self.B_re.new_ones(self.members, self.state_size)

    def recurrent_parameters(self) -> list[nn.Parameter]:
        """``lambda``'s parameters, ``gamma`` and ``B``: trained at a reduced learning rate and
        without weight decay (Appendix D)."""
        out = [getattr(self, n) for n in self._lambda_names]
        if self.normalise:
            out.append(self.gamma_log)
        return [*out, self.B_re, self.B_im]

    def project(self, u: Tensor) -> Tensor:
        """``gamma * (B u_t)`` for every step at once: (E, T, B, H_in) -> complex (T, E, B, N).

        One real product with ``[B_re, B_im]`` interleaved column by column gives the real and
        imaginary parts side by side, read as complex numbers without a copy.
        """
        e, t, b, h = u.shape
        n = self.state_size
        weight = torch.stack((self.B_re, self.B_im), -1).reshape(e, h, 2 * n)
        bu = torch.view_as_complex(torch.bmm(u.reshape(e, t * b, h), weight).view(e, t, b, n, 2))
        return (bu * self.gamma().view(e, 1, 1, n)).transpose(0, 1)

    def readout(self, h: Tensor, u: Tensor | None) -> Tensor:
        """``y_t = Re(C h_t) + D * u_t``: complex (T, E, B, N) and (E, T, B, H) -> (E, T, B, H).

        ``Re(C h) = C_re h_re - C_im h_im``: one real product of ``[h_re, h_im]`` with
        ``[C_re; -C_im]`` interleaved row by row. Without ``u`` the skip term is left out.
        """
        t, e, b, n = h.shape
        parts = torch.view_as_real(h.transpose(0, 1).contiguous()).reshape(e, t * b, 2 * n)
        weight = torch.stack((self.C_re, -self.C_im), 2).reshape(e, 2 * n, self.output_size)
        y = torch.bmm(parts, weight).view(e, t, b, self.output_size)
        return y if u is None else y + self.D.unsqueeze(1) * u

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.state_size}, {self.output_size}, members={self.members}, "
            f"param={self.param}, normalise={self.normalise}, ring=[{self.r_min}, {self.r_max}], "
            f"max_phase={self.max_phase:.3g}"
        )


class DenseCell(nn.Module):
    """A real dense recurrence, the first rungs of the ladder (Sec. 3.1):

    ``h_t = f(A h_{t-1} + B u_t + b)``, ``y_t = C h_t + D * u_t``, with ``f`` the identity (the
    linear RNN), tanh or ReLU. ``A`` is Glorot-initialised (its eigenvalues fill the unit disk),
    ``B`` and ``C`` as well, ``b = 0``. Row-vector convention: ``h_t = f(h_{t-1} A + u_t B + b)``.
    """

    def __init__(
        self,
        input_size: int,
        state_size: int,
        output_size: int | None = None,
        members: int = 1,
        seeds: Sequence[int] | None = None,
        *,
        nonlinearity: str | None = None,
        salt: int = 0,
    ) -> None:
        super().__init__()
        if nonlinearity not in (None, "tanh", "relu"):
            raise ValueError(f"unknown nonlinearity {nonlinearity!r}: use None, 'tanh' or 'relu'")
        output_size = input_size if output_size is None else output_size
        self.input_size, self.state_size, self.output_size = input_size, state_size, output_size
        self.members, self.nonlinearity, self.salt = members, nonlinearity, salt
        e, n = members, state_size
        self.A = nn.Parameter(torch.empty(e, n, n))
        self.B = nn.Parameter(torch.empty(e, input_size, n))
        self.bias = nn.Parameter(torch.empty(e, 1, n))
        self.C = nn.Parameter(torch.empty(e, n, output_size))
        self.D = nn.Parameter(torch.empty(e, 1, output_size))
        self.reset_parameters(seeds if seeds is not None else range(members))

    @torch.no_grad()
    def reset_parameters(self, seeds: Sequence[int]) -> None:
        seeds = member_seeds(seeds, self.members)
        for e, g in enumerate(_member_generators(seeds, self.salt)):
            self.A[e].copy_(glorot_init((self.state_size, self.state_size), g))
            self.B[e].copy_(glorot_init((self.input_size, self.state_size), g))
            self.bias[e].zero_()
            self.C[e].copy_(glorot_init((self.state_size, self.output_size), g))
            self.D[e].copy_(d_init((1, self.output_size), g))

    def recurrent_parameters(self) -> list[nn.Parameter]:
        """``A``, ``B`` and the bias: the parameters inside the recurrence."""
        return [self.A, self.B, self.bias]

    def project(self, u: Tensor) -> Tensor:
        """``u_t B + b`` for every step: (E, T, B, H_in) -> (T, E, B, N), contiguous in time."""
        e, t, b, h = u.shape
        xb = torch.baddbmm(self.bias, u.reshape(e, t * b, h), self.B)
        return xb.view(e, t, b, self.state_size).transpose(0, 1).contiguous()

    def step(self, x: Tensor, h: Tensor) -> Tensor:
        """One step from the projected input ``x`` (E, B, N) and the state ``h`` (E, B, N)."""
        pre = torch.baddbmm(x, h, self.A)
        if self.nonlinearity == "tanh":
            return torch.tanh(pre)
        if self.nonlinearity == "relu":
            return torch.relu(pre)
        return pre

    def readout(self, h: Tensor, u: Tensor) -> Tensor:
        """``y_t = C h_t + D * u_t``: (T, E, B, N) and (E, T, B, H) -> (E, T, B, H)."""
        t, e, b, n = h.shape
        y = torch.bmm(h.transpose(0, 1).reshape(e, t * b, n), self.C)
        return y.view(e, t, b, self.output_size) + self.D.unsqueeze(1) * u

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.state_size}, {self.output_size}, members={self.members}, "
            f"nonlinearity={self.nonlinearity}"
        )
