"""scripts/capture_figures.py --variants: the dev-set table after everyday changes, on a folder
of generated captures laid out as the dev set is (images and a labels.csv)."""

import sys
from pathlib import Path

import pytest
from PIL import Image

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
