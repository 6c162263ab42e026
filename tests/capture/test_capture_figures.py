"""scripts/capture_figures.py --variants: the dev-set table after everyday changes, on a folder
of generated captures laid out as the dev set is (images and a labels.csv)."""

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from core.capture.masks import _dilate
from core.data.looks import LOOKS, render_capture
from core.data.variants import VARIANTS
from core.training.predict import EXAMPLE_RUN, load_predictor

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import capture_figures  # noqa: E402


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Two labelled generated captures: a screen's sine and plain paper with no waveform."""
    d = tmp_path_factory.mktemp("captures")
    rows = ["file,label,kind,notes"]
    for name, look, cls, label in (("sine.png", "screen", "sine", "sine"),
                                   ("blank.png", "paper", "none", "none")):  # fmt: skip
        Image.fromarray(render_capture(look, cls, 7).image).save(d / name)
        rows.append(f"{name},{label},{'screenshot' if look == 'screen' else 'plot'},generated")
    (d / "labels.csv").write_text("\n".join(rows) + "\n")
    return d


@pytest.fixture(scope="module")
def pred():
    return load_predictor(EXAMPLE_RUN)


@pytest.fixture(scope="module")
def table(pred, folder):
    return capture_figures.dev_variants(pred, folder)


def test_one_row_per_change_counting_every_image(table):
    lines = table.splitlines()
    body = {line[:12].strip(): line[12:].split() for line in lines[2:]}
    assert list(body) == [*VARIANTS, "all"]
    for name in VARIANTS:
        right_in, right_out = body[name]
        assert right_in.endswith("/1") and right_out.endswith("/1")
        assert int(right_in.split("/")[0]) in (0, 1)
    for col in (0, 1):
        total = sum(int(body[v][col].split("/")[0]) for v in VARIANTS)
        assert body["all"][col] == f"{total}/{len(VARIANTS)}"


def test_the_picture_as_is_is_read_as_the_plain_figure_reads_it(pred, folder, table):
    as_is = next(line for line in table.splitlines() if line.startswith("as is"))
    out, _ = capture_figures.answer(pred, folder / "sine.png")
    sine_right = capture_figures.score(out, {"sine"}, set(pred.classes)) == "right"
    out, _ = capture_figures.answer(pred, folder / "blank.png")
    blank_right = capture_figures.score(out, {"none"}, set(pred.classes)) == "right"
    assert as_is.split()[2:] == [f"{int(sine_right)}/1", f"{int(blank_right)}/1"]


def test_verbose_lists_the_changes_each_image_is_missed_after(pred, folder, table, tmp_path):
    """-v keeps the table as it is and adds, per image, the changes after which it is not
    answered right. A blank page labelled as a sine is answered unsure after every change, so
    it is listed with all of them, in the table's order."""
    lines = capture_figures.dev_variants(pred, folder, verbose=True).splitlines()
    head = lines.index("not answered right after a change:")
    assert "\n".join(lines[:head]) == table

    Image.fromarray(render_capture("paper", "none", 7).image).save(tmp_path / "page.png")
    (tmp_path / "labels.csv").write_text("file,label,kind,notes\npage.png,sine,plot,mislabelled\n")
    listed = capture_figures.dev_variants(pred, tmp_path, verbose=True).splitlines()
    assert listed[-2] == "not answered right after a change:"
    image, how = listed[-1].split(": ", 1)
    assert image == "  page.png (sine)"
    assert [h.split(":")[0] for h in how.split("; ")] == list(VARIANTS)
    assert all(h.endswith(" UNSURE") for h in how.split("; "))


def test_wilson_interval_holds_the_share_and_narrows_with_more_captures():
    """The 95% Wilson interval of 95 right of 100 is 88.8%-97.8% (the textbook figure); of
    950 of 1000 it lies closer about 95%; none or all right stay within 0..1."""
    lo, hi = capture_figures.wilson(95, 100)
    assert (round(lo, 3), round(hi, 3)) == (0.888, 0.978)
    lo2, hi2 = capture_figures.wilson(950, 1000)
    assert lo < lo2 < 0.95 < hi2 < hi
    assert capture_figures.wilson(0, 20)[0] == 0.0 and capture_figures.wilson(20, 20)[1] == 1.0
    assert capture_figures.wilson(0, 0) == (0.0, 1.0)


def test_several_seeds_are_pooled_per_look(pred):
    """The pooled table counts each look's captures over every seed, as the seeds' own
    answers do, with the interval about each share."""
    seeds = [7000, 8000]
    answers = []
    for seed in seeds:
        answers += capture_figures.generated_answers(pred, 12, seed)[1]
    text = capture_figures.pooled(answers, seeds).splitlines()
    assert text[0] == "generated looks over seeds 7000, 8000 (24 captures)"
    rows = {line.split()[0]: line.split() for line in text[2:]}
    assert set(rows) == set(LOOKS)
    for look in LOOKS:
        right = sum(a.outcome == "right" for a in answers if a.kind == look)
        assert rows[look][1] == f"{right}/4"
        lo, hi = capture_figures.wilson(right, 4)
        assert rows[look][3] == f"{lo:.1%}-{hi:.1%}"


def _two_traces():
    """A 200x400 capture of two traces drawn 3 px wide: the labelled one (a sine, rows 40-80)
    and another channel (a level line at row 150)."""
    h, w = 200, 400
    x = np.arange(w)
    mask = np.zeros((h, w), bool)
    mask[np.round(60 + 20 * np.sin(x / 20)).astype(int), x] = True
    mask = _dilate(mask, 1, 1)  # a 3 px pen
    traces = mask.copy()
    traces[149:152, 20:380] = True
    cap = SimpleNamespace(image=np.zeros((h, w, 3), np.uint8), mask=mask, traces=traces)
    return cap, (h, w)


def _reading(full: np.ndarray, box, scale: int = 2, tilt: float = 0.0, read_box=None):
    """A reading of the bool picture-sized `full`, cropped to box and shrunk by `scale`, as the
    pipeline keeps it (its mask at the reading's own size)."""
    x0, y0, x1, y1 = box
    part = full[y0:y1, x0:x1][::scale, ::scale]
    return SimpleNamespace(found=bool(part.any()), crop_box=box, mask=part, tilt=tilt,
                           read_box=read_box)  # fmt: skip


def test_where_a_reading_lies_against_the_traces_drawn():
    """A reading is judged against the drawn traces wherever it was cropped and at whatever
    size it was kept: the labelled trace across its width, part of it, another channel, or
    pixels on no trace (a grid line) each get their own cause, and nothing read is nothing."""
    cap, (h, w) = _two_traces()
    box = (0, 0, w, h)
    where = capture_figures.where_read
    assert where(_reading(cap.mask, box), cap) == "the trace whole"
    assert where(_reading(cap.mask, (0, 20, w, 120), scale=1), cap) == "the trace whole"
    half = cap.mask & (np.arange(w) < 200)[None]
    assert where(_reading(half, box), cap) == "part of the trace"
    other = cap.traces & ~cap.mask
    assert where(_reading(other, box), cap) == "another trace"
    grid = np.zeros((h, w), bool)
    grid[109:112, :] = True
    assert where(_reading(grid, box), cap) == "off the traces"
    assert where(_reading(np.zeros((h, w), bool), box), cap) == "nothing"


def test_misses_are_counted_by_cause_per_look(pred):
    """--causes: every look's captures counted, each miss once, under the cause where_read
    gives its reading."""
    causes = capture_figures.Causes()
    answers = capture_figures.generated_answers(pred, 24, 7000, seen=causes)[1]
    assert sum(causes.totals.values()) == len(answers) == 24
    assert any(a.outcome != "right" for a in answers)  # the seed has misses to count (two)
    for look in LOOKS:
        wrong = sum(a.outcome != "right" for a in answers if a.kind == look)
        assert sum(causes.misses[look].values()) == wrong
    rows = {line.split()[0]: line for line in causes.table("seed 7000").splitlines()[2:]}
    assert set(rows) == set(LOOKS)
    assert all(rows[look].split()[1] == f"{sum(causes.misses[look].values())}/4" for look in LOOKS)


def test_a_reading_of_the_picture_straightened_is_judged_in_it():
    """A reading made in the picture turned level (its tilt, and read_box in that picture) is
    judged against the traces turned the same way; the same pixels taken as the picture's own
    miss the trace they were read from."""
    from core.capture.deskew import straightened

    cap, (h, w) = _two_traces()
    turned = straightened(np.repeat(cap.mask[..., None] * np.uint8(255), 3, 2), 5.0)[..., 0] > 127
    box = (0, 0, w, h)
    straight = _reading(turned, box, tilt=5.0, read_box=box)
    assert capture_figures.where_read(straight, cap) == "the trace whole"
    assert capture_figures.where_read(_reading(turned, box), cap) != "the trace whole"
