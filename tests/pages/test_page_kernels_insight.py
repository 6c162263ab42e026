"""AppTest checks of the Kernels page's "Do the kernels reflect the data?" section: the verdict,
the diagnostics charts against steps in their tabs, the strokes under the kernels, and the
preferred inputs computed on a button press."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.harness import check, open_page

TAB = "kernels_insight_tab"


def _page() -> AppTest:
    return open_page("Kernels")


def _charts(at: AppTest) -> int:
    return len(at.get("vega_lite_chart"))


def test_verdict_and_structure_chart_on_a_fresh_page(trained_run):
    at = _page()
    assert any(h.value == "Do the kernels reflect the data?" for h in at.header)
    verdict = next(m.value for m in at.markdown if m.value.startswith("At step "))
    assert "kernels score above 3" in verdict
    assert [t.label for t in at.tabs][:2] == ["Structure", "What training added"]
    assert _charts(at) == 3  # training curves, the enlarged kernel, the structure chart
    assert any(c.value.startswith("Structure score:") for c in at.caption)
    assert any("grey band" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "tab, charts, words",
    [
        ("What training added", 1, "what training has added"),
        ("Orientation", 1, "dashed line is chance"),
        ("Size and change", 2, "moved from its random start"),
        ("Frequency", 1, "cycles across its width"),
    ],
)
def test_each_measure_tab_draws_its_chart(trained_run, tab, charts, words):
    at = _page()
    at.session_state[TAB] = tab
    check(at.run())
    assert _charts(at) == 2 + charts  # curves, enlarged kernel, and only the open tab
    assert any(words in c.value for c in at.caption)


def test_strokes_sit_under_the_montage_and_follow_the_slider(trained_run):
    at = _page()
    captions = [i.proto.imgs[0].caption for i in at.image]
    assert captions[1].startswith("Under the same layout: the scope-like line through each")
    strokes = at.image[1].value
    at.select_slider(key="kernels_frame").set_value(0).run()
    assert at.image[1].value != strokes


def test_preferred_inputs_on_a_button_press(trained_run, monkeypatch):
    import core.interpret.snapshot

    real = core.interpret.snapshot.preferred_input
    monkeypatch.setattr(  # a few search steps: the test checks the page, not the search
        core.interpret.snapshot, "preferred_input", lambda *a, **k: real(*a, **{**k, "steps": 3})
    )
    at = _page()
    at.session_state[TAB] = "Preferred inputs"
    at.run()
    before = len(at.image)
    button = next(b for b in at.button if b.key == "kernels_find_preferred")
    assert button.label.startswith("Find the preferred inputs at step ")
    check(button.click().run())
    assert not any(b.key == "kernels_find_preferred" for b in at.button)
    # per kernel: kernel, stroke, preferred input, top patches; per class: one image
    assert len(at.image) == before + 5 * 4 + 3
    assert [i.proto.imgs[0].caption for i in at.image][-3:] == ["square", "gaussian", "sine"]
    at.run()  # cached: shown again without a button press
    assert len(at.image) == before + 5 * 4 + 3
