"""The Scope page's pointer and batch helpers (ui/scope_input.py) without a browser: what a click
or a drag in display pixels means in image pixels, and the table of batch answers."""

from __future__ import annotations

import numpy as np
import streamlit as st

from core.capture.pointer import in_box
from core.data.scope_samples import demo_screenshot
from ui.scope_input import CLICKED, _handle_pointer, answers_table, pointer_action


def test_a_click_in_display_pixels_maps_to_the_image_and_its_trace_colour():
    rgb = demo_screenshot(1600, 960, (("sine", "cyan"),))[0]
    ys, xs = np.nonzero(np.abs(rgb.astype(int) - (0, 255, 255)).sum(2) < 30)
    x, y = xs[len(xs) // 2], ys[len(ys) // 2]
    shown = {"width": 800, "height": 480}  # the picture shown at half size
    value = shown | {"x1": x / 2, "y1": y / 2, "x2": x / 2 + 1, "y2": y / 2}
    kind, colour, point = pointer_action(value, rgb)
    assert kind == "colour" and colour == (0, 255, 255)
    assert abs(point[0] - x) <= 2 and abs(point[1] - y) <= 2


def test_a_drag_is_a_crop_in_image_pixels_and_a_tiny_one_a_note():
    rgb = np.zeros((960, 1600, 3), np.uint8)
    shown = {"width": 800, "height": 480}
    assert pointer_action(shown | {"x1": 700, "y1": 400, "x2": 100, "y2": 50}, rgb) == (
        "crop",
        (200, 100, 1401, 801),
    )
    kind, note = pointer_action(shown | {"x1": 10, "y1": 10, "x2": 10, "y2": 30}, rgb)
    assert kind == "note" and "too small" in note
    assert pointer_action(None, rgb) is None and pointer_action({"x": 3}, rgb) is None


def test_a_drag_keeps_a_clicked_trace_inside_its_box_and_forgets_one_outside():
    # The clicked colour is read inside the dragged box; a click outside it chose a trace the
    # box need not hold at all, so the box is read on its own.
    rgb = np.zeros((960, 1600, 3), np.uint8)
    drag = {"width": 800, "height": 480, "x1": 100, "y1": 50, "x2": 700, "y2": 400}
    assert in_box((300, 300), (200, 100, 1401, 801)) and not in_box(
        (50, 300), (200, 100, 1401, 801)
    )
    try:
        for point, kept in (((300.0, 300.0), True), ((50.0, 300.0), False)):
            st.session_state[CLICKED] = {"for": "img", "colour": (0, 255, 255), "point": point}
            _handle_pointer(drag, "img", rgb, ["x0", "y0", "x1", "y1"], "manual")
            assert (CLICKED in st.session_state) == kept
            assert st.session_state["x0"] == 200 and st.session_state["manual"] is True
    finally:
        for k in (CLICKED, "x0", "y0", "x1", "y1", "manual"):
            st.session_state.pop(k, None)


def test_answers_table_has_a_row_per_file_and_a_column_per_class():
    answers = [
        {"file": "a.png", "label": "sine", "unsure": False, "refused": None,
         "probabilities": {"square": 0.1, "gaussian": 0.1, "sine": 0.8}},
        {"file": "b.txt", "label": None, "unsure": False, "probabilities": {},
         "refused": "b.txt is not an image (it looks like text)."},
        {"file": "saw.png", "label": "sine", "unsure": True, "refused": None,
         "trace_found": True, "probabilities": {"square": 0.1, "gaussian": 0.12, "sine": 0.78}},
        {"file": "menu.png", "label": "sine", "unsure": True, "refused": None,
         "trace_found": False, "probabilities": {"square": 0.26, "gaussian": 0.23, "sine": 0.51}},
    ]  # fmt: skip
    df = answers_table(answers, ["square", "gaussian", "sine"])
    assert list(df.columns) == ["file", "answer", "unsure", "square", "gaussian", "sine", "refused"]
    assert df.loc[0, "sine"] == 0.8 and df.loc[0, "answer"] == "sine"
    assert df.loc[1, "answer"] == "refused"
    assert df.loc[1, "refused"].startswith("b.txt is not an image")
    # An unsure answer says so in words; with no trace read, its probabilities are left blank.
    assert df.loc[2, "answer"] == "unsure (closest: sine)" and df.loc[2, "sine"] == 0.78
    assert df.loc[3, "answer"] == "no trace found" and df.loc[3, ["square", "sine"]].isna().all()


def _scope_page():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[2] / "views" / "4_Scope.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_batch_upload_gives_a_row_per_file_and_says_what_was_refused(shipped_examples):
    from core.data.scope_samples import sample_png

    at = _scope_page()
    at.session_state["scope_batch_on"] = True  # the user unfolds "Classify several captures"
    at.run()
    assert not at.exception
    files = [
        ("sine.png", sample_png("sine"), "image/png"),
        ("notes.png", b"just some text\n", "image/png"),
    ]
    at.file_uploader(key="scope_batch").set_value(files).run()
    assert not at.exception, [e.value for e in at.exception]
    summary = [c.value for c in at.caption if " answered, " in c.value]
    assert summary == ["2 files: 1 answered, 0 unsure, 1 refused."]
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2
    table = at.dataframe[0].value  # probabilities as percentages, shown whole
    assert 50 < table.loc[0, "sine"] <= 100 and table.loc[1, "refused"]
    # Under a batch the sample screen is not analysed: one of the batch is, once chosen.
    assert not any(h.value.startswith("From screenshot") for h in at.subheader)
    closer = at.selectbox(key="scope_batch_closer")
    assert closer.value is None and len(closer.options) == 2
    assert closer.options == ["sine.png", "notes.png"]
    ids = [f.file_id for f in at.file_uploader(key="scope_batch").value]  # the options' values
    closer.set_value(ids[0]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(h.value.endswith(": sine.png") for h in at.subheader)
    assert any("The network says: **sine**" in m.value for m in at.markdown)
    closer = at.selectbox(key="scope_batch_closer")
    closer.set_value(ids[1]).run()  # the refused file: its sentence, no stages
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == [table.loc[1, "refused"]]
    assert not any(h.value.startswith("From screenshot") for h in at.subheader)
    # A file is chosen by itself, not its place: with the first file removed (its ✕ keeps the
    # others' ids; AppTest's set_value would give every file a new one) the choice stays on it.
    uploader = at.file_uploader(key="scope_batch")
    kept = [f for f in uploader.value if f.file_id != ids[0]]
    uploader._files = [(f.file_id, f.name, f.getvalue(), f.type) for f in kept]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="scope_batch_closer").value == ids[1]
    assert at.selectbox(key="scope_batch_closer").options == ["notes.png"]
    assert [e.value for e in at.error] == [table.loc[1, "refused"]]
    # Folded away, the batch is neither read nor shown and the sample is back; unfolded again,
    # the same files are there (a folded section keeps its uploader).
    at.session_state["scope_batch_on"] = False
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.dataframe and not any("files:" in c.value for c in at.caption)
    assert any(h.value.startswith("From screenshot") for h in at.subheader)
    at.session_state["scope_batch_on"] = True
    at.run()
    assert [f.name for f in at.file_uploader(key="scope_batch").value] == ["notes.png"]
    assert [c.value for c in at.caption if " answered, " in c.value] == [
        "1 file: 0 answered, 0 unsure, 1 refused."
    ]
    # ... and the file looked at closer is looked at again.
    assert at.selectbox(key="scope_batch_closer").value == ids[1]
    assert not [w.value for w in at.warning], [w.value for w in at.warning]
    assert [e.value for e in at.error] == [table.loc[1, "refused"]]
    # The file looked at closer leaves the batch: the choice is cleared, never another file.
    at.file_uploader(key="scope_batch").set_value(files[:1]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="scope_batch_closer").value is None
    assert not any(h.value.startswith("From screenshot") for h in at.subheader)


def test_camera_switch_and_a_click_state_leave_the_page_working(trained_run):
    at = _scope_page()
    at.toggle(key="scope_camera_on").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    # A click on another image than the one shown is ignored.
    at.session_state["scope_clicked"] = {"for": "nothing", "colour": (1, 2, 3), "point": (5, 5)}
    at.toggle(key="scope_camera_on").set_value(False).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any(c.value.startswith("Trace chosen by your click") for c in at.caption)


def test_a_click_is_read_in_the_automatic_plot_area_when_it_lies_in_it():
    from types import SimpleNamespace

    from ui.scope import click_area

    auto = SimpleNamespace(crop_box=(100, 50, 400, 300))
    assert click_area(auto, (250.0, 120.0)) == (100, 50, 400, 300)
    assert click_area(auto, (100, 50)) == (100, 50, 400, 300)  # the box's first pixel is in it
    assert click_area(auto, (400, 120)) is None  # x1 is outside
    assert click_area(auto, (20.0, 20.0)) is None
    assert click_area(auto, None) is None


def test_a_click_in_the_plot_area_is_read_there_and_keeps_the_automatic_outline():
    from ui.scope import extract, read_choices

    rgb = demo_screenshot(1200, 720, (("sine", "cyan"), ("square", "yellow")))[0]
    auto = extract("two-traces", rgb)
    x0, y0, x1, y1 = auto.crop_box
    ys, xs = np.nonzero(np.abs(rgb.astype(int) - (0, 255, 255)).sum(2) < 30)
    inside = (xs >= x0) & (xs < x1) & (ys >= y0) & (ys < y1)
    point = (float(xs[inside][0]), float(ys[inside][0]))
    assert read_choices("two-traces", rgb, auto) is auto  # no choice: the automatic reading
    clicked = read_choices("two-traces", rgb, auto, colour=(0, 255, 255), point=point)
    assert clicked.crop_auto and clicked.crop_method == auto.crop_method
    cx0, cy0, cx1, cy1 = clicked.crop_box
    assert x0 <= cx0 < cx1 <= x1 and y0 <= cy0 < cy1 <= y1
    r, g, b = clicked.trace_colour
    assert g > 2 * r and b > 2 * r and clicked.found  # the cyan sine, not the yellow square
    box = (x0, y0, x1, y1)
    dragged = read_choices("two-traces", rgb, auto, crop=box, colour=(0, 255, 255), point=point)
    assert not dragged.crop_auto  # a box the user drew is theirs


def test_a_click_on_a_trace_in_a_picture_taken_askew_reads_it_straightened():
    from PIL import Image

    from core.capture import waveform_likeness
    from ui.scope import extract, read_choices

    rgb = demo_screenshot(1200, 720, (("sine", "cyan"), ("square", "yellow")))[0]
    turned = np.asarray(Image.fromarray(rgb).rotate(3, Image.Resampling.BICUBIC, expand=True))
    auto = extract("two-traces-askew", turned)
    assert auto.tilt and auto.read_box is not None
    ys, xs = np.nonzero(np.abs(turned.astype(int) - (255, 255, 0)).sum(2) < 30)
    point = (float(xs[len(xs) // 2]), float(ys[len(ys) // 2]))
    clicked = read_choices("two-traces-askew", turned, auto, colour=(255, 255, 0), point=point)
    assert clicked.tilt == auto.tilt and clicked.crop_method == auto.crop_method
    # the outline stays the automatic one (placed back from the full picture, not a shrunk one)
    assert np.abs(np.subtract(clicked.crop_box, auto.crop_box)).max() <= 2
    r, g, b = clicked.trace_colour
    assert r > 2 * b and g > 2 * b  # the yellow square
    assert waveform_likeness(clicked.network_input) >= 0.9  # read level: no slanted edges
    box = auto.crop_box  # a box drawn is read as drawn: not turned
    assert read_choices("two-traces-askew", turned, auto, crop=box, colour=(255, 255, 0)).tilt == 0
