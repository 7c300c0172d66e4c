"""The training loop, optimisers and metrics shared by every chapter."""

from rnnbook.train.config import FitResult, TrainConfig
from rnnbook.train.loop import DivergenceWarning, fit, progress_enabled
from rnnbook.train.metrics import bits_per_symbol, frame_nll, masked_mean
from rnnbook.train.optim import clip_member_grads, lr_schedule, member_grad_norms

__all__ = [
    "DivergenceWarning",
    "FitResult",
    "TrainConfig",
    "bits_per_symbol",
    "clip_member_grads",
    "fit",
    "frame_nll",
    "lr_schedule",
    "masked_mean",
    "member_grad_norms",
    "progress_enabled",
]
