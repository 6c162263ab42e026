"""AppTest checks of the Insight page: renders fresh, confusion matrix at a snapshot, a chosen cell
lists its images with the answers, heat-map overlays for held-out images."""

from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from tests.pages.harness import check, open_page


def _page() -> AppTest:
    return open_page("Insight")


def _accuracy(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Held-out accuracy"))


def _listed(at: AppTest) -> list[str]:
    """Captions of the listed held-out images ('#12 · gaussian 81% · ...')."""
    return [c for i in at.image for c in [i.proto.imgs[0].caption] if c.startswith("#")]


def test_no_runs_says_so(runs_root):
    at = _page()
    assert any("No runs yet" in i.value for i in at.info)


def test_renders_fresh_with_the_confusion_matrix_at_the_last_snapshot(trained_run):
    at = _page()
    assert at.title[0].value == "Insight: right and wrong answers"
    frame = at.select_slider(key="insight_frame")
    assert frame.value == len(frame.options) - 1
    assert len(at.get("vega_lite_chart")) == 1  # the confusion matrix
    assert re.fullmatch(r"\d+\.\d%", _accuracy(at))
    cells = at.selectbox(key="insight_cell")
    assert len(cells.options) == 9
    total = sum(int(re.search(r"\((\d+) images?\)", o).group(1)) for o in cells.options)
    assert total == 60  # every held-out image is in one cell


def test_the_matrix_follows_the_snapshot(trained_run):
    at = _page()
    last = at.selectbox(key="insight_cell").options
    at.select_slider(key="insight_frame").set_value(0).run()  # how fast: bench/bench_pages.py
    check(at)
    assert at.selectbox(key="insight_cell").options != last  # random kernels answer otherwise
    assert any("vs the final kernels" in (m.proto.delta or "") for m in at.metric)
    frame = at.select_slider(key="insight_frame")
    frame.set_value(len(frame.options) - 1).run()
    assert at.selectbox(key="insight_cell").options == last


def test_choosing_a_cell_lists_its_images_with_the_answers(trained_run):
    at = _page()
    cells = at.selectbox(key="insight_cell")
    counts = [int(re.search(r"\((\d+) images?\)", o).group(1)) for o in cells.options]
    full = max(range(9), key=lambda i: counts[i])
    cells.set_value(full).run()
    check(at)
    listed = _listed(at)
    assert len(listed) == min(counts[full], 12)
    t, p = divmod(full, 3)
    classes = ["square", "gaussian", "sine"]
    assert all(c.split(" · ")[1].startswith(classes[p]) for c in listed)  # the answer first
    empty = next((i for i in range(9) if counts[i] == 0), None)
    if empty is not None:
        at.selectbox(key="insight_cell").set_value(empty).run()
        check(at)
        assert not _listed(at)
        assert any("No held-out image falls in this square" in i.value for i in at.info)


def test_heat_overlays_for_held_out_images(trained_run):
    at = _page()
    cells = at.selectbox(key="insight_cell")
    counts = [int(re.search(r"\((\d+) images?\)", o).group(1)) for o in cells.options]
    cells.set_value(max(range(9), key=lambda i: counts[i])).run()
    saliency = [i.value for i in at.image]
    assert any(c.value.startswith("Saliency:") for c in at.caption)
    at.button_group(key="insight_heat").set_value("grad_cam").run()
    check(at)
    assert any(c.value.startswith("Grad-CAM:") for c in at.caption)
    assert [i.value for i in at.image] != saliency
    at.button_group(key="insight_heat").set_value("none").run()
    check(at)
    assert not any(c.value.startswith(("Saliency:", "Grad-CAM:")) for c in at.caption)
    assert len(_listed(at)) == len(saliency)


def test_a_run_without_a_saved_network_is_not_offered(trained_run):
    (trained_run / "model.pt").unlink()
    at = _page()
    assert any("No runs yet" in i.value for i in at.info)


def test_a_diverged_run_is_flagged(trained_run):
    run = trained_run
    status = (run / "status.json").read_text().replace('"done"', '"diverged"')
    (run / "status.json").write_text(status)
    at = _page()
    assert any(w.value.startswith("This run diverged") for w in at.warning)


def test_answers_that_are_not_numbers_read_as_such():
    import numpy as np

    from ui.insight import probability_text

    classes = ["square", "gaussian", "sine"]
    assert (
        probability_text(classes, np.array([0.1, 0.7, 0.2]))
        == "gaussian 70% · sine 20% · square 10%"
    )
    assert probability_text(classes, np.array([np.nan] * 3)).startswith("no answer")
