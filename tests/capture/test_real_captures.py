"""A default run recognises real oscilloscope captures and the study's own images (../shared).

These use the real images in ../shared, which CI has; they are skipped only where it is absent.
"""

import csv
from pathlib import Path

import pytest

from core.training.predict import EXAMPLE_RUN, load_predictor, predict_file

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CAPTURES = SHARED / "real-captures"
STUDY = SHARED / "study" / "images"

pytestmark = [
    pytest.mark.real_captures,
    pytest.mark.skipif(not CAPTURES.is_dir(), reason="../shared/real-captures is not here"),
]


def labelled(folder: Path) -> list[tuple[str, str]]:
    with open(folder / "labels.csv", newline="") as f:
        return [(row["file"], row["label"]) for row in csv.DictReader(f)]


# Where a capture shows two channels, the user picks the trace colour; these are those choices.
CHANNELS = {
    "rigol-ds2000-sine-and-square.png": {"sine": "cyan", "square": "yellow"},
}
CASES = [
    (name, label, CHANNELS.get(name, {}).get(label))
    for name, labels in labelled(CAPTURES) if CAPTURES.is_dir()
    for label in labels.split("|")
    if label in ("square", "sine")
] if CAPTURES.is_dir() else []  # fmt: skip
STUDY_CASES = (
    [(n, lab) for n, lab in labelled(STUDY) if lab in ("square", "gaussian", "sine")]
    if STUDY.is_dir()
    else []
)


@pytest.fixture(scope="module")
def default_run():
    """The shipped example run (the fast preset's settings, trained 6 epochs by
    scripts/make_example_run.py): the network a first launch answers with."""
    return load_predictor(EXAMPLE_RUN)


def test_every_capture_loads():
    from core.capture.imagefile import read_image

    for name, _ in labelled(CAPTURES):
        img = read_image(CAPTURES / name)
        assert img.ndim == 3 and min(img.shape[:2]) >= 100, name


def test_the_capture_list_covers_squares_and_sines():
    assert {label for _, label, _ in CASES} == {"square", "sine"} and len(CASES) >= 5


@pytest.mark.parametrize("name,label,colour", CASES)
def test_default_run_classifies_real_captures(default_run, name, label, colour):
    result = predict_file(default_run, CAPTURES / name, colour=colour)
    assert result["label"] == label, result["probabilities"]


@pytest.mark.parametrize("name,label", STUDY_CASES)
def test_default_run_classifies_the_study_images(default_run, name, label):
    result = predict_file(default_run, STUDY / name)
    assert result["label"] == label, result["probabilities"]
