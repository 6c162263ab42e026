"""Sticky settings (ui.state.sticky) are told to the browser on every run of a page, not only the
run that first set them: a browser that missed that run (the user clicked Start while the page was
still loading, so the run stopped before it drew the widget) would otherwise draw the widget at its
own default and send that default back with its next click."""

from __future__ import annotations

import pytest

from tests.pages.harness import check, open_page
from ui.state import STICKY_KEY

WIDGETS = (
    "text_input", "number_input", "slider", "select_slider", "toggle", "checkbox", "selectbox",
    "radio", "button_group",
)  # fmt: skip


def sticky_widgets(at):
    """The page's widgets whose key is a sticky setting."""
    saved = at.session_state[STICKY_KEY]
    found = [w for kind in WIDGETS for w in at.get(kind) if getattr(w, "key", None) in saved]
    return found


@pytest.mark.parametrize("name", ["Train", "Waveforms"])
def test_every_rerun_tells_the_browser_each_sticky_value(runs_root, name):
    at = open_page(name)
    first = sticky_widgets(at)
    assert len(first) >= 10  # the page's settings are sticky: otherwise this checks nothing
    check(at.run())  # a second run, as after a click: the keys are already in session state
    again = sticky_widgets(at)
    assert {w.key for w in again} == {w.key for w in first}
    untold = [w.key for w in again if not w.proto.set_value]
    assert not untold, f"drawn without their values on a rerun: {untold}"
