"""AppTest checks of the Kernels page: renders fresh, scrubs, plays, changes views, fails softly."""

from __future__ import annotations

import io
import json
import os
import time

import numpy as np
from PIL import Image
from streamlit.testing.v1 import AppTest

from tests.pages.harness import check, open_page, texts


def _page() -> AppTest:
    return open_page("Kernels")


def _last(at: AppTest) -> int:
    """Index of the last snapshot (the smoke run saves one a step, plus the start: 11)."""
    return len(at.select_slider(key="kernels_frame").options) - 1


def _montage_url(at: AppTest) -> str:
    return at.image[0].value[0]


def test_no_runs_at_all(runs_root):
    at = _page()
    assert any("No runs yet" in i.value for i in at.info)
    assert not at.image and not at.get("vega_lite_chart")


def test_only_an_example_run(example_run):
    at = _page()
    assert not at.error
    assert at.select_slider(key="kernels_frame").value == _last(at)
    (option,) = at.selectbox(key="kernels_run").options
    assert "[example]" in option and example_run.name in option
    assert len(at.image) >= 2  # the montage and the strokes under it


def test_shipped_examples_only(shipped_examples):
    """With no saved runs the page opens on the example run that ships with the lab."""
    at = _page()
    assert not at.error
    options = at.selectbox(key="kernels_run").options
    assert len(options) == len(shipped_examples) and all("[example]" in o for o in options)
    assert any(name in options[0] for name in shipped_examples)
    assert at.select_slider(key="kernels_frame").value == _last(at) >= 1
    assert len(at.image) >= 2


def test_renders_and_scrubs(trained_run):
    at = _page()
    assert not at.error
    run = at.selectbox(key="kernels_run")
    assert trained_run.name in run.options[run.index]
    slider = at.select_slider(key="kernels_frame")
    assert slider.value == _last(at) >= 5  # a fresh page starts on the trained kernels
    last = _montage_url(at)
    slider.set_value(0).run()  # how fast: bench/bench_pages.py
    check(at)
    assert at.select_slider(key="kernels_frame").value == 0
    assert _montage_url(at) != last
    assert f"Snapshot 1 of {_last(at) + 1}" in texts(at.markdown)


def test_views_and_scales_change_the_montage(trained_run):
    at = _page()
    at.select_slider(key="kernels_frame").set_value(5).run()
    urls = {"weights/shared": _montage_url(at)}
    at.button_group(key="kernels_scale").set_value("per_kernel").run()
    urls["weights/per_kernel"] = _montage_url(at)
    for view in ("change_init", "change_prev"):
        check(at.button_group(key="kernels_view").set_value(view).run())
        urls[f"{view}/per_kernel"] = _montage_url(at)
    assert len(set(urls.values())) == len(urls)
    # Frame 0 has no change since initialisation: an all-zero (white) montage, still drawn.
    check(at.select_slider(key="kernels_frame").set_value(0).run())
    assert _montage_url(at) not in urls.values()
    assert f"Snapshot 1 of {_last(at) + 1}" in texts(at.markdown)


def _player(at: AppTest) -> str:
    """The HTML of the in-browser player (an st.iframe), '' when none is shown."""
    frames = [e for e in at.get("iframe")]
    return frames[0].proto.srcdoc if frames else ""


def test_play_animates_in_the_browser_and_pause_returns_to_the_slider(trained_run):
    at = _page()
    n = _last(at) + 1
    at.select_slider(key="kernels_frame").set_value(3).run()
    at.select_slider(key="kernels_speed").set_value(10).run()
    at.button(key="kernels_play").click().run()
    assert not at.exception
    assert at.session_state["kernels_playing"]
    html = _player(at)
    assert html.count("data:image/png;base64,") == n  # every snapshot sent once, up front
    assert "FPS = 10.0" in html and "LOOP = true" in html and "frame = 3," in html
    at.run()  # nothing reruns per frame: the server's frame stays where Play started
    assert at.session_state["kernels_frame"] == 3
    at.button(key="kernels_play").click().run()
    assert not at.session_state["kernels_playing"] and not _player(at)
    assert at.select_slider(key="kernels_frame").value == 3


def test_play_without_loop_stops_at_the_end(trained_run):
    at = _page()
    at.checkbox(key="kernels_loop").uncheck().run()
    at.select_slider(key="kernels_frame").set_value(_last(at)).run()
    at.button(key="kernels_play").click().run()
    assert not at.exception
    assert at.session_state["kernels_frame"] == 0  # parked on the last: plays from the start
    assert "LOOP = false" in _player(at)


def test_gif_is_built_only_when_asked(trained_run):
    at = _page()
    assert "kernels_gif" not in at.session_state
    at.button(key="kernels_make_gif").click().run()
    assert not at.exception
    data = at.session_state["kernels_gif"]["data"]
    assert data[:6] in (b"GIF87a", b"GIF89a")
    labels = [b.label for b in at.get("download_button")]
    assert "Download the GIF" in labels


def test_gif_making_reports_each_snapshot_then_leaves_only_the_download(trained_run, monkeypatch):
    from core import render

    calls, make = [], render.evolution_gif

    def recorded(*args, progress, **kwargs):
        return make(*args, progress=lambda *a: (calls.append(a), progress(*a)), **kwargs)

    monkeypatch.setattr(render, "evolution_gif", recorded)
    at = _page()
    n = _last(at) + 1
    check(at.button(key="kernels_make_gif").click().run())
    assert calls == [(i, n) for i in range(1, n + 1)]  # each drawn snapshot moved the bar
    assert not at.get("progress"), "the progress bar stays after the GIF is made"
    gif = Image.open(io.BytesIO(at.session_state["kernels_gif"]["data"]))
    assert gif.format == "GIF" and gif.n_frames == n
    assert "Download the GIF" in [b.label for b in at.get("download_button")]


def test_damaged_snapshots_show_a_sentence(trained_run):
    run = trained_run
    (run / "snapshots.npz").write_bytes(b"not a zip file at all")
    at = _page()
    assert not at.exception
    assert any("damaged" in e.value for e in at.error)


def test_running_run_without_snapshots_says_so(trained_run):
    run = trained_run
    (run / "snapshots.npz").unlink()
    status = json.loads((run / "status.json").read_text())
    status.update(status="running", pid=os.getpid(), updated=time.time())  # a live heartbeat
    (run / "status.json").write_text(json.dumps(status))
    at = _page()
    assert not at.exception
    assert any("still training" in i.value for i in at.info)


def test_a_running_run_whose_heartbeat_stopped_reads_interrupted(trained_run):
    run = trained_run
    (run / "snapshots.npz").unlink()
    status = json.loads((run / "status.json").read_text())
    status.update(status="running", pid=os.getpid(), updated=time.time() - 3600)
    (run / "status.json").write_text(json.dumps(status))
    at = _page()
    assert not at.exception
    assert not any("still training" in i.value for i in at.info)
    assert any("was interrupted" in i.value for i in at.info)


def test_single_snapshot_has_no_player(trained_run):
    run = trained_run
    with np.load(run / "snapshots.npz") as z:
        arrays = {k: z[k][:1] for k in z.files}
    np.savez(run / "snapshots.npz", **arrays)
    at = _page()
    assert not at.exception
    assert at.button(key="kernels_play").disabled
    assert len(at.image) >= 1
