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


def test_a_changed_setting_is_what_later_reruns_tell_the_browser(runs_root):
    at = open_page("Train")
    at.number_input(key="tr_epochs").set_value(7)
    at.text_input(key="tr_hidden_activations").set_value("tanh")
    check(at.run())
    for _ in range(2):  # the run of the change, then one after it (as after another click)
        check(at.run())
        epochs, acts = at.number_input(key="tr_epochs"), at.text_input(key="tr_hidden_activations")
        assert epochs.proto.set_value and epochs.value == 7
        assert acts.proto.set_value and acts.value == "tanh"
