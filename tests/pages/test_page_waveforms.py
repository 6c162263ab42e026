"""AppTest checks of the Waveforms page: a live gallery, one exact waveform, errors as sentences."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.config import to_dict
from core.data.waveforms import STUDY_SPEC, WaveformSpec
from tests.pages.harness import check, open_page
from ui.state import SPEC_KEY

N_GALLERY = 3  # one row per class; the single view's picture comes after them


@pytest.fixture()
def at(runs_root) -> AppTest:
    return open_page("Waveforms")


def pictures(app: AppTest) -> list[str]:
    """The image URLs in page order (they name the PNG's content)."""
    return [str(img.proto) for img in app.get("image")]


def test_renders_a_gallery_row_per_class_and_the_single_view(at):
    assert len(pictures(at)) == N_GALLERY + 1
    assert not at.error
    assert at.session_state["wf_seed"] == 0


def test_moving_a_control_changes_the_gallery(at):
    before = pictures(at)
    at.slider(key="wf_cycles").set_value((1.0, 2.0)).run()
    after = pictures(at)
    assert not at.exception
    assert after[2] != before[2]  # the sine row follows the cycles range
    assert after[1] == before[1]  # gaussians have no cycles


def test_sawtooth_adds_a_row_and_reroll_draws_new_samples(at):
    at.toggle(key="wf_include_sawtooth").set_value(True).run()
    assert len(pictures(at)) == 4 + 1
    before = pictures(at)
    at.button(key="wf_reroll").click().run()
    assert at.session_state["wf_seed"] == 1
    assert pictures(at)[:4] != before[:4]


def test_single_view_follows_its_own_sliders(at):
    before = pictures(at)[-1]
    at.button_group(key="wf_one_class").set_value("sine").run()
    sine = pictures(at)[-1]
    assert sine != before
    at.slider(key="wf_one_sine_cycles").set_value(2.0).run()
    assert not at.exception and not at.error
    assert pictures(at)[-1] != sine
    assert any("cycles 2" in c.value for c in at.caption)


def test_an_impossible_setting_is_one_sentence(at):
    at.slider(key="wf_amplitude").set_value((0.0, 0.5)).run()
    assert not at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "amplitude" in message and message.endswith(".") and "Traceback" not in message
    assert len(pictures(at)) == 1  # no gallery; the single view still draws
    at.button(key="wf_load_default").click().run()
    assert not at.error and len(pictures(at)) == N_GALLERY + 1


def test_use_for_training_stores_the_spec_for_the_train_page(at):
    assert SPEC_KEY not in at.session_state
    at.slider(key="wf_thickness").set_value((2, 2)).run()
    at.button(key="wf_use").click().run()
    stored = at.session_state[SPEC_KEY]
    assert stored == to_dict(WaveformSpec(thickness=(2, 2)))
    assert any("will train on these settings" in c.value for c in at.caption)


def test_study_button_loads_the_studys_ranges(at):
    at.button(key="wf_load_study").click().run()
    assert at.slider(key="wf_cycles").value == STUDY_SPEC.cycles
    assert at.slider(key="wf_polarity").value == STUDY_SPEC.polarity
    assert not at.exception and not at.error


def test_values_come_back_after_visiting_another_page(runs_root):
    app = open_page("Home")
    app.switch_page("views/1_Waveforms.py").run()
    app.slider(key="wf_cycles").set_value((2.0, 3.0)).run()
    check(app.switch_page("views/2_Train.py").run())
    assert any(t.value == "Train" for t in app.title)  # the Train page, not an error
    app.switch_page("views/1_Waveforms.py").run()
    assert app.slider(key="wf_cycles").value == (2.0, 3.0)
