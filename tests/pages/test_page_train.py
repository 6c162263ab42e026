"""AppTest checks of the Train page: settings, Start/Pause/Resume/Stop, the queue, the watchdog."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from core.config import to_dict
from core.data.waveforms import WaveformSpec
from core.training.jobs import job_queue
from core.training.presets import preset
from core.training.runs import RunStore
from tests.pages.harness import app_test, check, open_page, texts
from ui import training as tr
from ui.state import RUN_KEY, SPEC_KEY


@pytest.fixture(autouse=True)
def no_training_left_behind():
    yield
    for job in job_queue().jobs:
        job.stop()
    for job in job_queue().jobs:
        job.join(60)


def page(runs_root: Path) -> AppTest:
    return open_page("Train")


def smoke(at: AppTest, epochs: int = 1) -> None:
    """Smoke-sized settings through the widgets: 240 images, batches of 24."""
    at.number_input(key="tr_n_train").set_value(240)
    at.number_input(key="tr_n_test").set_value(30)
    at.number_input(key="tr_batch_size").set_value(24)
    at.number_input(key="tr_epochs").set_value(epochs)
    check(at.run())
    assert not at.error


def wait_until(at: AppTest, done, timeout: float = 180.0) -> None:
    """Rerun the page until done(at); the timeout is a safety net for a loaded machine (a smoke
    run trains in a few seconds on a quiet one), not a speed target: those are in bench/."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        check(at.run())
        if done(at):
            return
        time.sleep(0.3)
    raise AssertionError("the page never reached the expected state")


def started(runs_root: Path, epochs: int) -> AppTest:
    """The Train page with a smoke run of `epochs` started and past its first step."""
    at = page(runs_root)
    smoke(at, epochs=epochs)
    at.button(key="tr_start").click().run()
    wait_until(at, lambda a: job(a).progress().step > 0)
    return at


def job(at: AppTest):
    return at.session_state[tr.JOB_KEY]


def test_renders_fresh_with_the_fast_preset(runs_root):
    at = page(runs_root)
    assert at.button_group(key="tr_preset").value == "fast"
    assert not at.button(key="tr_start").disabled
    assert at.button(key="tr_stop").disabled and at.button(key="tr_resume").disabled
    assert "parameters" in texts(at.markdown) and "the default settings" in texts(at.markdown)
    assert "Press Start" in texts(at.info)


def test_paper_preset_loads_the_studys_recipe(runs_root):
    at = page(runs_root)
    at.button_group(key="tr_preset").set_value("paper").run()
    assert at.selectbox(key="tr_loss").value == "l1"
    assert at.number_input(key="tr_batch_size").value == 1000
    assert at.text_input(key="tr_hidden").value == "4096, 1024"
    assert "6,977,651 parameters" in texts(at.markdown)


def test_waveforms_page_settings_are_used_and_named(runs_root):
    at = app_test("Train")
    at.session_state[SPEC_KEY] = to_dict(WaveformSpec(size=64, include_sawtooth=True))
    check(at.run())
    assert "yours from the Waveforms page (64 px, 4 classes)" in texts(at.markdown)


def test_bad_settings_are_a_sentence_and_block_start(runs_root):
    at = page(runs_root)
    check(at.text_input(key="tr_hidden").input("4096, lots").run())
    assert "whole numbers" in texts(at.error)
    assert at.button(key="tr_start").disabled
    at.text_input(key="tr_hidden").input("").run()
    at.number_input(key="tr_batch_size").set_value(5000).run()
    assert "larger than the training set" in texts(at.error)


def test_train_to_the_end(runs_root):
    at = page(runs_root)
    smoke(at, epochs=1)
    check(at.button(key="tr_start").click().run())
    assert at.button(key="tr_start").disabled and not at.button(key="tr_stop").disabled
    # 10 steps may leave a smoke run near chance: then "Done." comes as a warning that says so.
    wait_until(at, lambda a: "Done." in texts(a.success) + texts(a.warning))
    assert "Done." in texts(at.success) + texts(at.warning)
    run_dir = job(at).progress().run_dir
    assert run_dir.parent == runs_root and (run_dir / "model.pt").is_file()
    status = json.loads((run_dir / "status.json").read_text())
    assert status["status"] == "done" and len(status["confusion"]) == 3
    assert at.session_state[RUN_KEY] == str(run_dir)
    assert at.get("progress") and len(at.get("vega_lite_chart")) == 2  # curves, confusion
    assert all(m.value != "–" for m in at.metric)
    assert not at.button(key="tr_start").disabled


def test_pause_resume_stop(runs_root):
    at = started(runs_root, epochs=30)
    at.button(key="tr_pause").click().run()
    assert at.button(key="tr_pause").disabled and not at.button(key="tr_resume").disabled
    wait_until(at, lambda a: "Paused at step" in texts(a.info))
    step = job(at).progress().step
    time.sleep(1.0)
    assert job(at).progress().step == step
    at.button(key="tr_resume").click().run()
    wait_until(at, lambda a: job(a).progress().step > step)
    at.button(key="tr_stop").click().run()
    wait_until(at, lambda a: "What it learned so far is saved" in texts(a.info))
    status = json.loads((job(at).progress().run_dir / "status.json").read_text())
    assert status["status"] == "stopped"
    assert not at.button(key="tr_start").disabled


def test_a_job_that_ends_while_the_page_draws_leaves_start_enabled(runs_root, monkeypatch):
    """The job is busy when the page starts drawing and has ended by the time the page asks
    again (its process exits between the two): the page must not draw Start disabled under
    "What it learned so far is saved" and then stop polling. CI once saw that race; here it is
    made every time, by answering the page's first question about the finished job as it
    would have been answered a moment earlier."""
    at = started(runs_root, epochs=30)
    at.button(key="tr_stop").click().run()
    wait_until(at, lambda a: "What it learned so far is saved" in texts(a.info))
    assert not tr.job_busy(job(at)) and not at.button(key="tr_start").disabled
    real, asked = tr.job_busy, []

    def busy_a_moment_ago(j):
        asked.append(j)
        return True if len(asked) == 1 else real(j)

    monkeypatch.setattr(tr, "job_busy", busy_a_moment_ago)
    check(at.run())
    assert asked, "the page asks whether the job is busy"
    assert "What it learned so far is saved" in texts(at.info)
    assert not at.button(key="tr_start").disabled


def test_a_device_this_machine_lacks_fails_with_a_sentence(runs_root, monkeypatch):
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    at = page(runs_root)
    smoke(at)
    at.selectbox(key="tr_device").set_value("cuda").run()
    assert "saved as 'fast-custom'" in texts(at.caption)
    at.button(key="tr_start").click().run()
    wait_until(at, lambda a: bool(a.error))
    assert "no CUDA GPU" in texts(at.error)
    assert not at.button(key="tr_start").disabled


@pytest.fixture()
def one_slot(monkeypatch):
    """One training at a time, whatever the machine's cores (the queue is process-wide)."""
    monkeypatch.setattr(job_queue(), "slots", 1)


def test_a_second_training_waits_in_line(runs_root, tmp_path, one_slot):
    exp = preset("fast").with_changes(n_train=240, n_test=30, batch_size=24, epochs=200)
    other = job_queue().submit(exp, RunStore(tmp_path / "other"), owner="another-session")
    at = page(runs_root)
    smoke(at)
    at.button(key="tr_start").click().run()
    wait_until(at, lambda a: "number 1 in line to start" in texts(a.info))
    assert "All training slots on this server are in use" in texts(at.info)
    assert at.button(key="tr_pause").disabled  # nothing to pause before it starts
    at.button(key="tr_stop").click().run()
    wait_until(at, lambda a: job(a).progress().finished and not job(a).alive)
    assert job(at).progress().message == "Cancelled before it started."
    assert other.progress().state in ("queued", "running")  # the other run was left alone
    other.stop()


def test_a_paused_run_blocks_nobody_and_keeps_its_place(runs_root, tmp_path, one_slot):
    exp = preset("fast").with_changes(n_train=240, n_test=30, batch_size=24, epochs=200)
    other = job_queue().submit(exp, RunStore(tmp_path / "other"), owner="another-session")
    deadline = time.monotonic() + 60
    while other.progress().step == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    other.pause()  # gives its slot back
    at = page(runs_root)
    smoke(at, epochs=200)
    at.button(key="tr_start").click().run()
    wait_until(at, lambda a: job(a).progress().step > 0)  # trains although the other is paused
    other.resume()  # first in line again, behind nobody
    assert other.progress().queue_position == 1
    assert "number 1 in line to resume" in tr.waiting_text(other.progress())
    at.button(key="tr_stop").click().run()
    deadline = time.monotonic() + 60
    while other.progress().state != "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert other.progress().state == "running"  # it got the slot back when ours ended
    other.stop()


def test_step_advances_a_paused_run_by_exactly_one_step(runs_root):
    at = started(runs_root, epochs=200)
    at.button(key="tr_pause").click().run()
    wait_until(at, lambda a: "Paused at step" in texts(a.info))
    assert not at.button(key="tr_step").disabled
    step, frames = job(at).progress().step, job(at).progress().frames
    at.button(key="tr_step").click().run()
    wait_until(at, lambda a: job(a).progress().step > step and "Paused at step" in texts(a.info))
    time.sleep(0.5)  # show that it stays paused after its one step
    p = job(at).progress()
    assert (p.step, p.state) == (step + 1, "paused")
    assert p.frames == frames + 1  # the step's kernels are shown
    at.button(key="tr_stop").click().run()
    wait_until(at, lambda a: "What it learned so far is saved" in texts(a.info))


def test_watchdog_stops_the_training_of_an_ended_session(tmp_path):
    exp = preset("fast").with_changes(n_train=240, n_test=30, batch_size=24, epochs=50)
    ghost = job_queue().submit(exp, RunStore(tmp_path), owner="ghost")
    alive = job_queue().submit(exp, RunStore(tmp_path), owner="alive")
    is_alive = {"ghost": False, "alive": True}.get
    assert tr.reap_orphans(is_alive, now=100.0, grace=20.0) == []  # just gone: maybe a reconnect
    assert not ghost.control.stopped
    assert tr.reap_orphans(is_alive, now=121.0, grace=20.0) == ["ghost"]
    assert ghost.control.stopped and not alive.control.stopped
    alive.stop()
    ghost.join(60)
    assert ghost.progress().state == "stopped"
    assert ghost._process is None or ghost._process.exitcode is not None  # its process ended


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the page without a CUDA GPU")
def test_published_preset_says_what_it_needs_instead_of_starting(runs_root, monkeypatch):
    monkeypatch.setattr(tr, "cpu_epoch_estimate", lambda cfg, train: "about 11 hours an epoch")
    at = open_page("Train")
    at.button_group(key="tr_preset").set_value("paper-published").run()
    assert not at.exception
    assert "213,416,051 parameters" in at.error[0].value and "CUDA GPU" in at.error[0].value
    assert at.button(key="tr_start").disabled
    at.button(key="tr_cpu_estimate").click().run()
    assert "about 11 hours an epoch" in at.info[0].value
    assert not list(runs_root.glob("*"))  # nothing started
