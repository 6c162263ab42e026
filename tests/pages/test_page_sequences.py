"""Property-based: random sequences of uploads (good, corrupt, huge, odd-format, empty) and widget
changes on the Scope page, and of settings on the Train page (never pressing Start), never show an
exception, and the choices always hold a valid value. Hypothesis draws the sequences; the counts
are small so the suite stays fast (KERNEL_LAB_HYPOTHESIS_EXAMPLES raises them for a longer hunt)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from core.data.scope_samples import sample_png
from core.interpret.snapshot import HEAT_METHODS
from core.training.loop import LOSSES, OPTIMIZERS
from tests.pages.test_page_scope import _png_header_only

REPO = Path(__file__).resolve().parents[2]
SCOPE = str(REPO / "views" / "4_Scope.py")
TRAIN = str(REPO / "views" / "2_Train.py")
EXAMPLES = int(os.environ.get("KERNEL_LAB_HYPOTHESIS_EXAMPLES", "4"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: each example is seconds of AppTest
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

UPLOADS = {
    "good-square": ("square.png", sample_png("square"), "image/png"),
    "good-sine": ("sine.png", sample_png("sine"), "image/png"),
    "corrupt": ("cut.png", sample_png("square")[:300], "image/png"),
    "text-named-png": ("notes.png", b"just some text, not an image\n" * 20, "image/png"),
    "empty": ("empty.png", b"", "image/png"),
    "bomb-header": ("huge.png", _png_header_only(60_000, 60_000), "image/png"),
    "svg": ("plot.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>',
            "image/svg+xml"),
    "fake-heic": ("photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "image/heic"),
}  # fmt: skip

scope_actions = st.one_of(
    st.tuples(st.just("upload"), st.sampled_from(sorted(UPLOADS))),
    st.tuples(st.just("clear"), st.none()),
    st.tuples(st.just("mode"), st.sampled_from(("correlation", "convolution"))),
    st.tuples(st.just("heat"), st.sampled_from(HEAT_METHODS)),
    st.tuples(st.just("kernel"), st.integers(0, 4)),
    st.tuples(st.just("sample"), st.integers(0, 3)),
)


def _ok(at: AppTest, step) -> None:
    assert not at.exception, (step, [e.value for e in at.exception])
    assert not any("Something went wrong" in e.value for e in at.error), step
    for group in at.button_group:  # every segmented control holds one of its options
        assert group.value is not None and group.value != [], (step, group.key)


def _scope_step(at: AppTest, action, arg) -> None:
    if action == "upload":
        at.file_uploader(key="scope_upload").set_value(UPLOADS[arg])
    elif action == "clear":
        at.file_uploader(key="scope_upload").set_value(None)
    elif action in ("mode", "heat"):
        key = "scope_mode" if action == "mode" else "scope_heat"
        if not any(g.key == key for g in at.button_group):
            return  # not on screen after this sequence (no image, no network)
        at.button_group(key=key).set_value(arg)
    else:
        key = "scope_kernel" if action == "kernel" else "scope_sample"
        boxes = [b for b in at.selectbox if b.key == key and not b.disabled]
        if not boxes:
            return
        at.selectbox(key=key).set_value(arg % len(boxes[0].options))
    at.run()


@SETTINGS
@given(seq=st.lists(scope_actions, min_size=1, max_size=5))
def test_scope_survives_any_upload_sequence(runs_root, seq):
    at = AppTest.from_file(SCOPE, default_timeout=60).run()
    _ok(at, "first")
    for step in seq:
        _scope_step(at, *step)
        _ok(at, step)


TRAIN_NUMBERS = {  # key -> (low, high) within the widget's limits, smoke-sized where it costs
    "tr_n_train": (3, 300),
    "tr_n_test": (3, 60),
    "tr_batch_size": (1, 400),
    "tr_epochs": (1, 5),
    "tr_kernels": (1, 32),
    "tr_kernel_size": (3, 64),
    "tr_pool1": (0, 16),
    "tr_conv2_channels": (1, 64),
    "tr_conv2_kernel": (1, 49),
    "tr_snapshot_every": (0, 10_000),
    "tr_eval_every": (0, 10_000),
}
train_actions = st.one_of(
    st.tuples(st.sampled_from(sorted(TRAIN_NUMBERS)), st.integers(0, 10**6)),
    st.tuples(st.just("tr_preset"), st.sampled_from(("fast", "paper"))),
    st.tuples(st.just("tr_optimizer"), st.integers(0, 5)),
    st.tuples(st.just("tr_conv2"), st.booleans()),
    st.tuples(st.just("tr_hidden"), st.sampled_from(("", "64", "4096, 1024", "abc", "-3", "0,"))),
    st.tuples(st.just("tr_hidden_activations"), st.sampled_from(("", "relu", "nope, relu"))),
    st.tuples(st.just("tr_loss"), st.integers(0, 5)),
    st.tuples(st.just("tr_lr"), st.sampled_from((1e-6, 1e-3, 10.0))),
)


def _train_step(at: AppTest, key, arg) -> None:
    if key in TRAIN_NUMBERS:
        lo, hi = TRAIN_NUMBERS[key]
        value = lo + arg % (hi - lo + 1)
        widget = next((w for w in [*at.number_input, *at.slider] if w.key == key), None)
        if widget is None or widget.disabled:
            return  # a user cannot change it either
        widget.set_value(value)
    elif key in ("tr_preset",):
        at.button_group(key=key).set_value(arg)
    elif key == "tr_optimizer":
        at.button_group(key=key).set_value(OPTIMIZERS[arg % len(OPTIMIZERS)])
    elif key == "tr_conv2":
        at.toggle(key=key).set_value(arg)
    elif key in ("tr_hidden", "tr_hidden_activations"):
        at.text_input(key=key).set_value(arg)
    elif key == "tr_loss":
        at.selectbox(key=key).set_value(LOSSES[arg % len(LOSSES)])
    elif key == "tr_lr":
        at.number_input(key=key).set_value(arg)
    at.run()


@SETTINGS
@given(seq=st.lists(train_actions, min_size=1, max_size=6))
def test_train_settings_survive_any_sequence(tmp_path_factory, monkeypatch, seq):
    monkeypatch.setenv("KERNEL_LAB_RUNS", str(tmp_path_factory.mktemp("runs")))
    at = AppTest.from_file(TRAIN, default_timeout=60).run()
    _ok(at, "first")
    for step in seq:
        _train_step(at, *step)
        _ok(at, step)
    assert at.button(key="tr_start") is not None  # the page got to its buttons: nothing started


@pytest.fixture()
def runs_root(runs_root):  # the shared smoke run (tests/conftest.py), reused by every example
    return runs_root
