"""Stopping a long training step part way: cancellation points inside the network's forward and
backward passes.

One step of the study's network (batch 1000, two 25x25 FFT convolutions) takes seconds to tens of
seconds on a shared 2-core machine; Stop and Pause must act within half a second. The training loop
runs the forward and backward passes inside `interruptible(should_stop)`; the expensive kernels
(the FFT convolution's batch chunks) call `checkpoint()`, which raises `StepInterrupted` once
`should_stop()` says so. The loop then drops the half-done step: the optimiser has not run, so the
weights are exactly as they were before the step.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_local = threading.local()  # each training thread has its own check (tests train in threads)


class StepInterrupted(Exception):
    """Raised at a cancellation point when the current step should be abandoned."""


@contextmanager
def interruptible(should_stop: Callable[[], bool]) -> Iterator[None]:
    """Within the block, `checkpoint()` raises StepInterrupted once `should_stop()` is true."""
    previous = getattr(_local, "check", None)
    _local.check = should_stop
    try:
        yield
    finally:
        _local.check = previous


def checkpoint() -> None:
    """A cancellation point: cheap when no interruptible block is active on this thread."""
    check = getattr(_local, "check", None)
    if check is not None and check():
        raise StepInterrupted


def _grad_checkpoint(grad):
    checkpoint()
    return None  # the gradient passes unchanged


def add_cancellation_points(model) -> list:
    """A checkpoint before each layer's forward pass and before its backward pass, so a step of a
    network without FFT convolutions stops promptly too. Returns the hook handles to remove."""
    import torch

    def before(module, args) -> None:
        checkpoint()

    def after(module, args, out) -> None:
        if isinstance(out, torch.Tensor) and out.requires_grad:
            out.register_hook(_grad_checkpoint)

    handles = []
    for m in model.modules():
        if m is not model:
            handles += [m.register_forward_pre_hook(before), m.register_forward_hook(after)]
    return handles
