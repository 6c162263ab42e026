"""A folder of captures at once: which files count as images, outcomes against labels.csv, the
per-kind tally, and `python -m core captures` in text and JSON."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

import core.training.captures as captures
from core.cli import main
from core.data.looks import LOOKS, render_capture
from core.data.scope_samples import demo_screenshot
from core.errors import LabError
from core.training.captures import (
    Answer,
    classify_folder,
    classify_generated,
    image_files,
    outcome,
    read_labels,
    tally,
)
from core.training.predict import EXAMPLE_RUN, load_predictor, predict_capture

CLASSES = ["square", "gaussian", "sine"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Screens in several formats under names that lie, a text file called .png, notes, labels."""
    d = tmp_path_factory.mktemp("captures")
    square = demo_screenshot(640, 400, (("square", "yellow"),))[0]
    sine = demo_screenshot(640, 400, (("sine", "cyan"),))[0]
    for name, rgb, fmt in (
        ("square-bmp-named.png", square, "BMP"),
        ("sine.jpg", sine, "JPEG"),
        ("SINE-AS-PNG", sine, "PNG"),  # no extension: found by its bytes
    ):
        buf = io.BytesIO()
        Image.fromarray(rgb).save(buf, format=fmt)
        (d / name).write_bytes(buf.getvalue())
    (d / "notes.png").write_text("this is not a picture\n")
    (d / "SOURCES.md").write_text("# where the files came from\n")
    (d / ".hidden.png").write_bytes(b"")
    (d / "labels.csv").write_text(
        "file,label,kind,notes\n"
        "square-bmp-named.png,square,screenshot,a BMP under a PNG name\n"
        "sine.jpg,sine|other,photo-phone,\n"
        "notes.png,none,screenshot,text\n"
    )
    return d


@pytest.fixture(scope="module")
def example():
    return load_predictor(EXAMPLE_RUN)


def test_image_files_go_by_extension_or_content(folder):
    names = [p.name for p in image_files(folder)]
    assert names == ["SINE-AS-PNG", "notes.png", "sine.jpg", "square-bmp-named.png"]
    with pytest.raises(LabError, match="not a folder"):
        image_files(folder / "labels.csv")


def test_labels_split_classes_and_group_kinds(folder, tmp_path):
    table = read_labels(folder / "labels.csv")
    assert table["sine.jpg"] == (("sine", "other"), "photo")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,class\nx.png,sine\n")
    with pytest.raises(LabError, match="needs the columns file and label"):
        read_labels(bad)


@pytest.mark.parametrize(
    "labels, label, unsure, refused, want",
    [
        (("square",), "square", False, None, "right"),
        (("square",), "sine", False, None, "wrong"),
        (("square",), "square", True, None, "unsure"),
        (("sine", "other"), "sine", False, None, "right"),
        (("other",), "gaussian", True, None, "right"),  # out of class: unsure is the right answer
        (("none",), "gaussian", False, None, "wrong"),
        (("square",), None, False, "No waveform trace was found in x.png.", "refused"),
        ((), "sine", False, None, "answered"),
        ((), "sine", True, None, "unsure"),
    ],
)
def test_outcome(labels, label, unsure, refused, want):
    a = Answer(file="x.png", labels=labels, label=label, unsure=unsure, refused=refused)
    assert outcome(a, CLASSES) == want


def test_tally_counts_per_kind_and_group():
    answers = [
        Answer("a", "photo", ("square",), "square", outcome="right"),
        Answer("b", "photo", ("square",), "sine", outcome="wrong"),
        Answer("c", "photo", ("sine",), refused="No trace.", outcome="refused"),
        Answer("d", "photo", ("other",), "sine", unsure=True, outcome="right"),
        Answer("e", "plot", ("gaussian",), "gaussian", unsure=True, outcome="unsure"),
    ]
    rows = {(r["kind"], r["group"]): r for r in tally(answers, CLASSES)}
    assert rows["photo", "in-class"] == {
        "kind": "photo", "group": "in-class", "images": 3, "read": 2,
        "right": 1, "wrong": 1, "unsure": 0, "refused": 1,
    }  # fmt: skip
    assert rows["photo", "out-of-class"]["right"] == 1 and rows["photo", "out-of-class"]["unsure"]
    assert rows["all", "in-class"]["images"] == 4 and rows["all", "in-class"]["unsure"] == 1
    assert list(rows)[-2:] == [("all", "in-class"), ("all", "out-of-class")]


def test_a_missing_unsure_counts_as_sure_and_a_crash_is_a_refusal(folder, example, monkeypatch):
    def fake(predictor, path, name=None):
        if path.name == "sine.jpg":
            raise IndexError("index 575 is out of bounds")
        p = {"square": 0.2, "gaussian": 0.1, "sine": 0.7}
        return {"file": str(path), "label": "sine", "probabilities": p} | (
            {"unsure": True} if path.name.startswith("SINE") else {}
        )

    monkeypatch.setattr(captures, "predict_file", fake)
    by = {a.file: a for a in classify_folder(example, folder)}
    assert by["SINE-AS-PNG"].unsure and by["SINE-AS-PNG"].outcome == "unsure"
    assert (
        by["square-bmp-named.png"].unsure is False
        and by["square-bmp-named.png"].kind == "screenshot"
    )
    assert by["sine.jpg"].refused == "sine.jpg could not be read (IndexError)."


def test_classify_folder_with_the_example_run(folder, example):
    seen = []
    answers = classify_folder(example, folder, on_file=lambda i, n, a: seen.append((i, n)))
    assert seen == [(0, 4), (1, 4), (2, 4), (3, 4)]
    by = {a.file: a for a in answers}
    assert by["notes.png"].outcome == "refused" and "not an image" in by["notes.png"].refused
    assert by["SINE-AS-PNG"].kind == "unknown" and by["SINE-AS-PNG"].labels == ()
    for a in (by["square-bmp-named.png"], by["sine.jpg"]):  # read, whatever the name says
        assert a.refused is None and a.label in CLASSES
        assert sum(a.probabilities.values()) == pytest.approx(1, abs=1e-4)
    assert by["square-bmp-named.png"].label == "square"


@pytest.fixture(scope="module")
def generated(example):
    """30 generated captures: each look in turn, then the next of square, gaussian, sine, other
    and none."""
    return classify_generated(example, 30, 7000)


def test_classify_generated_cycles_looks_and_classes(example, generated):
    """Labels come from what the capture shows, and each answer is predict's for that picture."""
    answers = generated[:18]
    assert [a.kind for a in answers[:6]] == list(LOOKS)
    assert [a.file for a in answers[::6]] == ["screen:square:7000", "screen:gaussian:7006",
                                              "screen:sine:7012"]  # fmt: skip
    for a in answers:
        look, cls, seed = a.file.split(":")
        cap = render_capture(look, cls, int(seed))
        assert cls in a.labels and set(a.labels) == set(cap.labels)
        assert a.outcome in ("right", "wrong", "unsure")
    a = answers[4]  # a drawing of a square: the answer is predict's for the same picture
    said = predict_capture(example, render_capture("drawing", "square", 7004).image)
    assert (a.label, a.unsure) == (said["label"], said["unsure"])
    assert a.probabilities == pytest.approx(said["probabilities"])
    rows = {(r["kind"], r["group"]): r for r in tally(answers, example.classes)}
    assert rows[("all", "in-class")]["images"] == 18


def test_classify_generated_labels_other_and_none_out_of_class(example, generated):
    """The fourth and fifth rounds draw a distractor shape and no trace: where no visible trace
    shows one of the run's classes, the label is "other" or "none", and right means unsure."""
    answers = generated
    for a in answers[18:]:
        look, cls, seed = a.file.split(":")
        assert cls in ("other", "none")
        if set(a.labels) & set(example.classes):  # another channel shows a class
            continue
        assert a.labels == (cls,)
        assert a.outcome == ("right" if a.unsure else "wrong")
    assert any(a.labels == ("none",) for a in answers)


def test_classify_generated_as_drawn_reads_each_drawn_trace(example):
    """As drawn, a capture is read from the mask of the trace it was drawn with: captures without
    one are left out, the label is the drawn trace's own (not another channel's), and the
    answering network, given those perfect readings, names the classes' traces (the floor is what
    the example run reaches on these 18) and answers the distractor shapes as it would read."""
    answers = classify_generated(example, 30, 7000, as_drawn=True)
    assert len(answers) == 24 and not any(":none:" in a.file for a in answers)
    for a in answers:
        look, cls, seed = a.file.split(":")
        assert a.labels == (render_capture(look, cls, int(seed)).label,) and a.trace_found
    in_class = [a for a in answers if set(a.labels) & set(example.classes)]
    assert len(in_class) == 18
    assert sum(a.outcome == "right" for a in in_class) >= 17
    assert {a.labels for a in answers} - {(c,) for c in example.classes} == {("other",)}


def test_the_captures_command(folder, capsys):
    assert main(["captures", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "notes.png: notes.png is not an image" in out
    # Each answer in the words the Scope page's batch table uses (a class, or unsure with the
    # closest, or no trace found).
    said = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    assert said["square-bmp-named.png"].startswith("square [square: right]")
    head = out.strip().splitlines()[-9:]
    assert any(line.split()[:2] == ["kind", "group"] for line in head)
    assert any(line.split()[:2] == ["all", "in-class"] for line in head)

    assert main(["captures", str(folder), "--labels", str(folder / "labels.csv"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {f["file"] for f in data["files"]} == {
        "SINE-AS-PNG", "notes.png", "sine.jpg", "square-bmp-named.png"
    }  # fmt: skip
    rows = {(r["kind"], r["group"]): r for r in data["tally"]}
    assert rows["screenshot", "out-of-class"]["refused"] == 1
    assert rows["unknown", "unlabelled"]["images"] == 1


def test_the_captures_command_says_what_is_wrong(tmp_path, capsys):
    assert main(["captures", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert main(["captures", str(tmp_path)]) == 0
    assert "No images in" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, want",
    [
        ({"label": "sine", "unsure": False, "refused": None}, "sine"),
        ({"label": "sine", "unsure": True, "refused": None}, "unsure (closest: sine)"),
        (
            {"label": "sine", "unsure": True, "refused": None, "looks_like": "triangle"},
            "unsure (closest: sine; looks like a triangle wave)",
        ),
        ({"label": "sine", "unsure": False, "looks_like": None, "refused": None}, "sine"),
        (
            {"label": "sine", "unsure": True, "refused": None, "trace_found": False},
            "no trace found",
        ),
        ({"label": None, "unsure": False, "refused": "x.png is not an image."}, "refused"),
    ],
)
def test_answer_words(answer, want):
    assert captures.answer_words(answer) == want
