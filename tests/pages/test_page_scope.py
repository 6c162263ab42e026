"""AppTest checks of the Scope page: samples, real uploads, bad uploads, colours, crops, maps."""

from __future__ import annotations

import re
import struct
import zlib

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.data.scope_samples import sample_png
from tests.pages.harness import REPO, check, open_page

REAL = REPO.parent / "shared" / "real-captures"
RUN_KEY = "scope_run"


def _page() -> AppTest:
    return open_page("Scope")


def _upload(at: AppTest, name: str, data: bytes, mime: str = "image/png") -> AppTest:
    at.file_uploader(key="scope_upload").set_value((name, data, mime)).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _said(at: AppTest) -> str | None:
    m = [x.value for x in at.markdown if x.value.startswith("The network says")]
    return m[0] if m else None


def _stages(at: AppTest) -> list:
    """The four pipeline stage images (picture, crop, mask, network input)."""
    k = next(i for i, im in enumerate(at.image) if "found:" in " ".join(im.captions)
             or "your crop" in " ".join(im.captions))  # fmt: skip
    return list(at.image)[k : k + 4]


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels (a decompression bomb's header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk


def test_no_runs_shows_the_sample_stages(runs_root):
    at = _page()
    assert any("No runs yet" in i.value for i in at.info)
    assert len(at.image) >= 4  # the four pipeline stages of the default sample
    assert _said(at) is None


def test_only_an_example_run(example_run):
    at = _page()
    assert not at.error
    (option,) = at.selectbox(key=RUN_KEY).options
    assert "[example]" in option and example_run.name in option
    assert _said(at) is not None


def test_shipped_examples_only(shipped_examples):
    at = _page()
    assert not at.error
    options = at.selectbox(key=RUN_KEY).options
    assert len(options) == len(shipped_examples) and all("[example]" in o for o in options)
    assert _said(at) is not None  # the shipped network reads the sample screenshot


def test_sample_shows_feature_maps_and_prediction(trained_run):
    at = _page()
    assert any(m.value.startswith("**Every kernel on the network input**") for m in at.markdown)
    assert _said(at) is not None
    assert at.selectbox(key="scope_sample").value is not None


def test_uploaded_png_is_classified(trained_run):
    at = _page()
    _upload(at, "my-scope.png", sample_png("square"))
    assert any("my-scope.png" in s.value for s in at.subheader)
    assert _said(at) is not None
    maps = [m for m in at.markdown if m.value.startswith("**Every kernel")]
    assert maps
    before = [i.value for i in at.image]
    at.button_group(key="scope_mode").set_value("convolution").run()
    check(at)
    assert [i.value for i in at.image] != before


def test_receptive_field_sum_matches_the_map(trained_run):
    at = _page()
    at.slider(key="scope_rf_row").set_value(10).run()
    at.slider(key="scope_rf_col").set_value(20).run()
    check(at)
    text = next(m.value for m in at.markdown if m.value.startswith("Sum of the products"))
    total, bias, value = (float(v) for v in re.findall(r"\*\*([+-][\d.]+)\*\*", text))
    assert abs(total + bias - value) < 2e-4
    assert "row 10, column 20" in text


@pytest.mark.parametrize(
    "name, data",
    [
        ("corrupt.png", b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 20),
        ("empty.png", b""),
        ("notes.txt", b"just some text, no pixels here\n" * 4),
        ("bomb.png", _png_header_only(60_000, 60_000)),
        ("tiny.png", sample_png("sine")[:200]),
    ],
)
def test_bad_upload_gets_a_sentence_and_the_page_recovers(trained_run, name, data):
    at = _page()
    _upload(at, name, data)
    assert at.error, f"no error shown for {name}"
    message = at.error[0].value
    assert name in message and message.endswith(".") and "Traceback" not in message
    assert _said(at) is None
    at.file_uploader(key="scope_upload").set_value(None).run()  # clear it: the sample is back
    check(at)
    assert not at.error
    assert _said(at) is not None


def test_two_traces_offer_a_choice_of_trace(trained_run):
    """Two channels the (smoke-trained, unsure) network does not recognise: each is offered by
    its colour and the network's answer, in place of a bare list of colours."""
    at = _page()
    _upload(at, "two.png", sample_png("sine-and-square"))
    traces = at.selectbox(key="scope_trace")
    assert len(traces.options) == 2 and not [s for s in at.selectbox if s.key == "scope_colour"]
    assert {o.split()[1] for o in traces.options} == {"yellow", "cyan"}
    assert {o.split()[3] for o in traces.options} == {"top", "bottom"}
    assert all("unsure" in o for o in traces.options)
    network_input = _stages(at)[3].value
    traces.set_value(1).run()
    check(at)
    assert _stages(at)[3].value != network_input


def test_the_first_colour_is_the_automatic_reading_the_cli_gives(shipped_examples):
    """With several candidate colours the page's first choice is the automatic reading itself,
    so the page answers as `predict` does (it re-read the picture by that colour alone, and a
    phone photo of a sine was answered from a patch of the room). The shipped example is sure
    of the photo's cyan sine, so one trace is read and the colours are offered; a run unsure of
    it is offered the blue second channel as another trace instead."""
    import io

    import numpy as np
    from PIL import Image

    from core.capture.search import read_capture
    from core.data.looks import render_capture
    from core.training.predict import EXAMPLE_RUN, load_predictor, predict_file

    cap = render_capture("photo", "sine", 0)
    auto = read_capture(cap.image)
    assert len(auto.candidate_colours) >= 2 and auto.crop_method == "trace network"
    buf = io.BytesIO()
    Image.fromarray(cap.image).save(buf, format="PNG")
    at = _page()
    _upload(at, "photo.png", buf.getvalue())
    check(at)
    assert at.selectbox(key="scope_colour").value == 0
    stages = _stages(at)
    assert "found: trace network" in stages[0].captions[0]
    cli = predict_file(load_predictor(EXAMPLE_RUN), buf.getvalue(), name="photo.png")
    said = _said(at) or ""
    assert cli["label"] in said, (said, cli)
    first = stages[3].value
    at.selectbox(key="scope_colour").set_value(1).run()
    assert _stages(at)[3].value != first
    at.selectbox(key="scope_colour").set_value(0).run()  # back to the automatic reading
    assert _stages(at)[3].value == first and np.any(auto.network_input)


def test_a_picture_of_two_waveforms_offers_each_and_answers_about_the_known_one(shipped_examples):
    """A sawtooth (none of the classes) above a sine: the page answers about the sine, as
    `predict` does, and lets the student choose the sawtooth instead, which is unsure."""
    import io

    from PIL import Image

    from core.data.scope_samples import demo_screenshot

    buf = io.BytesIO()
    img, _ = demo_screenshot(800, 480, (("sawtooth", "yellow"), ("sine", "cyan")))
    Image.fromarray(img).save(buf, format="PNG")
    at = _page()
    _upload(at, "two.png", buf.getvalue())
    check(at)
    traces = at.selectbox(key="scope_trace")
    assert traces.value == 0 and len(traces.options) == 2
    assert traces.options[0].startswith("1: cyan trace, bottom (sine")
    assert traces.options[1].startswith("2: yellow trace, top (unsure")
    assert (_said(at) or "").startswith("The network says: **sine**")
    traces.set_value(1).run()
    check(at)
    assert "unsure" in (_said(at) or "")
    _upload(at, "square.png", sample_png("square"))  # a picture of one trace: no choice
    check(at)
    assert not [s for s in at.selectbox if s.key == "scope_trace"]


def test_manual_crop_and_a_bad_crop(trained_run):
    at = _page()
    _upload(at, "square.png", sample_png("square"))
    assert at.number_input(key="scope_crop_x0").value == 30  # starts from the detected box
    network_input = at.image[3].value
    at.checkbox(key="scope_manual_crop").check().run()
    at.number_input(key="scope_crop_x1").set_value(330).run()
    check(at)
    assert at.image[3].value != network_input
    assert "your crop" in at.image[0].captions[0]
    at.number_input(key="scope_crop_x1").set_value(35).run()  # a 5-pixel-wide crop
    assert not at.exception
    assert any("crop" in e.value for e in at.error)


@pytest.mark.real_captures
@pytest.mark.skipif(not REAL.is_dir(), reason="no real captures here")
def test_real_captures(trained_run):
    at = _page()
    for path in sorted(REAL.glob("*.png")) + sorted(REAL.glob("*.bmp")):
        _upload(at, path.name, path.read_bytes())
        check(at)
        assert not at.error, (path.name, [e.value for e in at.error])
        assert any(path.name in s.value for s in at.subheader), path.name
        assert _said(at) is not None, path.name  # the network reads the capture


def test_fixture_image_battery(trained_run):
    """Every odd or bad file of the shared battery: a sentence or the stages, never a traceback."""
    from tests.fixtures_images import cases

    at = _page()
    for name, data, expect_ok in cases():
        _upload(at, name, data, "application/octet-stream")
        check(at)
        errors = [e.value for e in at.error]
        if expect_ok:
            assert not errors, (name, errors)
            assert any(s.value.startswith("From screenshot") for s in at.subheader), name
        else:
            assert len(errors) == 1 and name in errors[0] and "Traceback" not in errors[0], name
        assert at.selectbox(key=RUN_KEY).value is not None  # the rest of the page still works


def test_an_answer_unsure_because_of_its_mirror_images_says_why():
    import dataclasses

    from core.training.predict import EXAMPLE_RUN, load_predictor
    from ui.scope import mirror_reason

    example = load_predictor(EXAMPLE_RUN)
    probs = {"square": 0.1, "gaussian": 0.12, "sine": 0.78}
    said = {"label": "sine", "unsure": True, "probabilities": probs, "mirrored": 0.41}
    why = mirror_reason(example, said, confident=True)
    assert "78%" in why and "sine at 41%" in why and "upside down, or both" in why
    assert "square, gaussian or sine" in why
    # Not the reason: a sure answer, a low top probability, a reading not trusted.
    assert mirror_reason(example, said | {"unsure": False}, confident=True) is None
    low = said | {"probabilities": {"square": 0.3, "gaussian": 0.3, "sine": 0.4}}
    assert mirror_reason(example, low, confident=True) is None
    assert mirror_reason(example, said, confident=False) is None
    # A run trained one way up has one mirror image only: reversed in time.
    waves = dataclasses.replace(example.experiment.waveforms, polarity=0.0)
    upright = dataclasses.replace(
        example, experiment=dataclasses.replace(example.experiment, waveforms=waves)
    )
    assert "when reversed in time, so" in mirror_reason(upright, said, confident=True)


def test_an_answer_unsure_because_of_its_look_says_what_the_trace_looks_like(monkeypatch):
    """Where the shape namer made the answer unsure, the page says what it sees instead of
    the mirror images' reason."""
    from core.training.predict import EXAMPLE_RUN, load_predictor
    from ui import scope

    shown = []
    monkeypatch.setattr(scope.st, "markdown", lambda s, **k: shown.append(s))
    monkeypatch.setattr(scope.st, "caption", lambda s, **k: shown.append(s))
    example = load_predictor(EXAMPLE_RUN)
    probs = {"square": 0.05, "gaussian": 0.9, "sine": 0.05}
    said = {"label": "gaussian", "unsure": True, "probabilities": probs, "mirrored": 0.41,
            "looks_like": "rc_decay"}  # fmt: skip
    scope.show_answer(example, said, confident=True)
    assert "**unsure**" in shown[0] and "closest: gaussian, 90%" in shown[0]
    assert shown[1] == ("A second network that knows more shapes sees an RC charge or decay "
                        "here: a shape this network was not taught.")  # fmt: skip
    assert len(shown) == 2  # not the mirror images' reason as well
    shown.clear()
    scope.show_answer(example, said | {"looks_like": None}, confident=True)
    assert "mirror images" in shown[1]


def test_colours_of_a_picture_without_a_waveform_are_offered_not_called_traces(shipped_examples):
    import io

    from PIL import Image

    from core.data.looks import render_capture

    def shown(look: str, cls: str, seed: int) -> AppTest:
        buf = io.BytesIO()
        Image.fromarray(render_capture(look, cls, seed).image).save(buf, format="PNG")
        return _upload(_page(), f"{look}.png", buf.getvalue())

    at = shown("screen", "none", 5)  # a menu screen: two colours, no waveform
    menu = at.selectbox(key="scope_colour")
    assert menu.label.startswith("No waveform was found for sure") and len(menu.options) >= 2
    # ... and it is said once, with what to do, not once per part of the reading
    (said,) = [w.value for w in at.warning]
    assert said.startswith("No waveform trace was found: click on the trace")
    sine = shown("photo", "sine", 0).selectbox(key="scope_colour")  # beside a second channel
    assert sine.label == "Several traces show: which one should the network read?"


def test_an_answer_unsure_because_of_its_reading_says_why(monkeypatch):
    """Where the trace finder does not trust what it read (CaptureResult.doubt), the page says
    so and what to do, in place of any other reason (the shape namer's here)."""
    import dataclasses

    from core.capture import extract_trace
    from core.data.scope_samples import demo_screenshot
    from core.training.predict import EXAMPLE_RUN, load_predictor
    from ui import scope

    shown = []
    monkeypatch.setattr(scope.st, "markdown", lambda s, **k: shown.append(s))
    monkeypatch.setattr(scope.st, "caption", lambda s, **k: shown.append(s))
    monkeypatch.setattr(scope.st, "altair_chart", lambda *a, **k: None)
    example = load_predictor(EXAMPLE_RUN)
    probs = {"square": 0.93, "gaussian": 0.05, "sine": 0.02}
    said = {"label": "square", "unsure": True, "probabilities": probs, "mirrored": 0.95,
            "looks_like": "triangle"}  # fmt: skip
    doubt = "The line found is not a single line across the plot."
    scope.show_answer(example, said, confident=False, doubt=doubt)
    assert shown[0] == "The network says: **unsure** (closest: square, 93%)."
    assert shown[1:] == [f"{doubt} {scope.ADVICE}"]
    # The answer section passes the reading's own doubt: a scrap across 30% of the width.
    shown.clear()
    scrap = np.zeros((100, 100), np.float32)
    scrap[50, 10:40] = 1
    read = dataclasses.replace(extract_trace(demo_screenshot()[0]), network_input=scrap)
    scope.prediction_section(example, read)
    assert any("covers only 30%" in s and s.endswith(scope.ADVICE) for s in shown), shown
