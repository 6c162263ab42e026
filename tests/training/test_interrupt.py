"""Stopping part way through a step, and single steps while paused (core.nn.interrupt, the loop)."""

import threading

import pytest
import torch

from core.nn.fftconv import fft_conv2d
from core.nn.interrupt import StepInterrupted, checkpoint, interruptible
from core.nn.model import build_model
from core.training.loop import TrainControl, train
from core.training.presets import preset
from tests.helpers import band_split


def test_the_fft_convolution_is_a_cancellation_point():
    x, w = torch.randn(300, 1, 100, 100), torch.randn(5, 1, 25, 25)  # several batch chunks
    calls = []
    with interruptible(lambda: calls.append(1) or len(calls) > 2):
        with pytest.raises(StepInterrupted):
            fft_conv2d(x, w, None)
    assert len(calls) == 3  # checked once per batch chunk, raised at the first "yes"
    checkpoint()  # outside any interruptible block it never raises
    assert fft_conv2d(x[:2], w, None).shape == (2, 5, 76, 76)


class FlakyControl(TrainControl):
    """Asks to abandon the step at some cancellation points, as a Pause pressed and undone would."""

    def __init__(self, at: set[int]) -> None:
        super().__init__()
        self.calls, self.at = 0, at

    def should_interrupt(self) -> bool:
        self.calls += 1
        return self.calls in self.at


def fast_run(control):
    exp = preset("fast").with_changes(n_train=120, n_test=30, batch_size=40, epochs=2, seed=3)
    model = build_model(exp.model, seed=3)
    torch.manual_seed(3)
    events = list(train(model, band_split(120, 30, size=100), exp.train, control))
    return model, events


def test_an_abandoned_step_is_redone_with_the_same_result():
    plain, ev_plain = fast_run(TrainControl())
    flaky_control = FlakyControl(at={2, 9, 15, 16})
    flaky, ev_flaky = fast_run(flaky_control)
    assert flaky_control.calls > 16  # the interruptions happened inside steps
    assert ev_flaky[-1].step == ev_plain[-1].step and ev_flaky[-1].data["status"] == "done"
    for a, b in zip(plain.state_dict().values(), flaky.state_dict().values()):
        assert torch.equal(a, b)


def test_step_once_trains_exactly_one_step_and_stays_paused():
    control = TrainControl()
    control.pause()
    seen: list = []
    exp = preset("fast").with_changes(n_train=120, n_test=30, batch_size=40, epochs=50)
    model = build_model(exp.model, seed=0)
    data = band_split(120, 30, size=100)
    t = threading.Thread(target=lambda: seen.extend(train(model, data, exp.train, control)))
    t.start()
    try:
        wait = threading.Event()
        for _ in range(300):
            if seen and seen[-1].kind == "paused":
                break
            wait.wait(0.1)
        assert seen[-1].kind == "paused" and seen[-1].step == 0
        control.step_once()
        for _ in range(300):
            if len([e for e in seen if e.kind == "paused"]) == 2:
                break
            wait.wait(0.1)
        kinds = [e.kind for e in seen]
        assert kinds.count("paused") == 2 and "resumed" not in kinds
        assert seen[-1].step == 1  # one step, then paused again
        assert seen[-2].kind == "snapshot" and seen[-2].step == 1  # its kernels are shown
    finally:
        control.stop()
        t.join(60)
    assert seen[-1].data["status"] == "stopped" and seen[-1].step == 1
