"""AppTest checks of the home page: the four steps, and the run picker shared by every page."""

from __future__ import annotations

from tests.pages.harness import fake_run, open_page
from ui.state import RUN_KEY


def test_renders_fresh_with_no_runs_of_its_own(runs_root):
    at = open_page("Home")
    assert at.title[0].value == "CNN Kernel Lab"
    links = [link.proto.page for link in at.get("page_link")]
    assert links[:2] == ["Waveforms", "Train"]  # real links to the pages, not plain text
    labels = " ".join(link.proto.label for link in at.get("page_link"))
    labels += " ".join(m.value for m in at.markdown)  # a step not written yet is plain text
    for step in ("Waveforms", "Train", "Kernels", "Scope"):
        assert step in labels


def test_run_picker_defaults_to_the_newest_and_is_shared(runs_root):
    old = fake_run(runs_root, "old-run", 0.6, created=1000.0)
    new = fake_run(runs_root, "new-run", 0.9, created=2000.0)
    at = open_page("Home")
    picker = at.selectbox(key="home_run")
    assert "new-run" in picker.options[picker.value]
    assert at.session_state[RUN_KEY] == str(new)
    assert any(m.value == "90%" for m in at.metric)
    labels = picker.options
    picker.select_index(next(i for i, o in enumerate(labels) if "old-run" in o)).run()
    assert at.session_state[RUN_KEY] == str(old)
    assert any(m.value == "60%" for m in at.metric)
