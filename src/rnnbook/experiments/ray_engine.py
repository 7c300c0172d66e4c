"""Jobs as tasks of a Ray cluster: the ``ray`` engine of the runner.

Each job to train becomes one Ray task that asks for the resources it needs (one CPU; one GPU when
the run trains on CUDA) and is retried when its worker or node dies. The task trains under the
same lock and with the same single CPU thread as a local worker, so a cluster run and a local run
of the same jobs give the same records. The driver (this process) saves each job's records the
moment its task ends, and reports a failed job by name after every other job has been recorded.

Checkpoints must be on a directory every node can reach (``RNNBOOK_CHECKPOINTS``, default inside
the results directory): a retried task resumes from the checkpoint its killed predecessor wrote.
The environment variables that say where results, checkpoints and data live are passed to every
task. Ray is an optional dependency: ``pip install -e '.[cluster]'``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from typing import Any

#: Environment variables handed to every task, so that workers read and write where the driver
#: does.
FORWARDED_ENV = (
    "RNNBOOK_RESULTS",
    "RNNBOOK_CHECKPOINTS",
    "RNNBOOK_DATA",
    "RNNBOOK_CACHE",
    "RNNBOOK_DEVICE",
    "RNNBOOK_DOWNLOAD",
    "RNNBOOK_PROGRESS",
    "NODE_PATH",
)
#: How often a task is started again after its worker or node died.
MAX_RETRIES = 3


class ClusterError(RuntimeError):
    """Ray is not installed, or no cluster answers at the address given."""


def _ray():
    try:
        import ray
    except ImportError:
        raise ClusterError(
            "the ray engine needs Ray: install it with pip install -e '.[cluster]' "
            "(or run with --engine local)"
        ) from None
    return ray


def connect(address: str | None = None):
    """Connect this process to the cluster at ``address`` (else ``$RAY_ADDRESS``, else
    ``auto``) and return the ``ray`` module; a :class:`ClusterError` naming the address if none
    answers."""
    ray = _ray()
    address = address or os.environ.get("RAY_ADDRESS") or "auto"
    if ray.is_initialized():
        return ray
    _check_reachable(address)
    try:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR")
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise ClusterError(
            f"no Ray cluster answers at {address!r}: start one (ray start --head) or give its "
            f"address with --address or RAY_ADDRESS ({' '.join(str(err).split())})"
        ) from None
    return ray


def _check_reachable(address: str) -> None:
    """Fail at once, naming the address, when nothing listens at ``host:port`` (Ray itself would
    retry for minutes)."""
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as err:
        raise ClusterError(
            f"no Ray cluster answers at {address!r} ({err}): start one (ray start --head) or "
            "give its address with --address or RAY_ADDRESS"
        ) from None


def _task(ray, function: Callable, gpus: int = 0):
    """``function`` as a Ray task: one CPU (and ``gpus``), retried when its worker dies, with
    the driver's :data:`FORWARDED_ENV`."""
    env = {k: os.environ[k] for k in FORWARDED_ENV if k in os.environ}
    return ray.remote(function).options(
        num_cpus=1,
        num_gpus=gpus,
        max_retries=MAX_RETRIES,
        retry_exceptions=False,
        runtime_env={"env_vars": env},
    )


def _train_task(train, job, context, fresh: bool):
    """What a Ray worker runs: the runner's own training of one job (lock, one thread)."""
    from rnnbook.experiments.runner import train_one

    return train_one(train, job, context, fresh)


def run_on_ray(
    pending: Sequence[int],
    jobs: Sequence[Any],
    train: Callable,
    context: Any,
    fresh: bool,
    finish: Callable[[int, Any], None],
    fail: Callable[[int, BaseException], None],
    *,
    address: str | None = None,
) -> None:
    """Submit every pending job as a task and hand each result to ``finish`` (or its error to
    ``fail``) as soon as it arrives."""
    ray = connect(address)
    task = _task(ray, _train_task, gpus=1 if context.device.type == "cuda" else 0)
    refs = {task.remote(train, jobs[k], context, fresh): k for k in pending}
    while refs:
        ready, _ = ray.wait(list(refs), num_returns=1)
        for ref in ready:
            k = refs.pop(ref)
            try:
                finish(k, ray.get(ref))
            except Exception as err:  # noqa: BLE001 - reported by name by the runner
                fail(k, getattr(err, "cause", None) or err)


def map_tasks(function: Callable, arguments: Sequence[tuple]) -> list:
    """``[function(*a) for a in arguments]``, each call a Ray task (one CPU, retried when its
    worker dies), on the cluster this process is connected to (a Ray task's own, inside one)."""
    ray = connect()
    task = _task(ray, function)
    return ray.get([task.remote(*a) for a in arguments])
