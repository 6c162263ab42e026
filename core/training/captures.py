"""A folder of captures at once: every image classified, and a tally per kind against labels.csv.

labels.csv has columns `file`, `label` and `kind`. A label is one class or several joined by `|`
(an image with several traces: any of them is a right answer); `other` and `none` mark shapes
outside the run's classes and images without a waveform. Kinds are grouped by their first word
("plot-white" and "plot-dark" count as "plot"); images without a row are of kind "unknown".

Outcomes: an in-class image is right (its top class is one of its labels and the network is sure),
wrong (sure of another class), unsure, or refused (unreadable, or no trace found). An out-of-class
image is right when the network says it is unsure and wrong when it names a class with confidence.
A prediction without an `unsure` key counts as sure.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from core.capture.formats import sniff_format
from core.capture.imagefile import SUPPORTED_EXTENSIONS
from core.capture.namer import WORDS
from core.errors import LabError
from core.training.predict import (
    Predictor,
    predict_file,
    read_and_answer,
    training_thickness,
)
from core.training.predict import answer as answer_reading

OUT_OF_CLASS = ("other", "none")
GROUPS = ("in-class", "out-of-class", "unlabelled")
COUNTS = ("images", "read", "right", "wrong", "unsure", "refused")


@dataclass
class Answer:
    """One image's answer; `outcome` is right/wrong/unsure/refused, or answered without labels."""

    file: str
    kind: str = "unknown"
    labels: tuple[str, ...] = ()
    label: str | None = None  # the top class; None where refused
    probabilities: dict[str, float] = field(default_factory=dict)
    unsure: bool = False
    trace_found: bool = True  # False where no trace was read (the probabilities mean nothing)
    refused: str | None = None  # the sentence saying why
    outcome: str = ""
    looks_like: str | None = None  # a shape outside the classes the shape namer sees (unsure)

    def to_dict(self) -> dict:
        return asdict(self) | {"labels": list(self.labels)}


def answer_words(a: dict) -> str:
    """An Answer (as Answer.to_dict gives it) in words: 'sine', 'unsure (closest: sine)',
    'unsure (closest: sine; looks like a triangle wave)', 'no trace found' or 'refused' (the
    sentence saying why is its `refused`)."""
    if a["refused"] or a["label"] is None:
        return "refused"
    if not a.get("trace_found", True):
        return "no trace found"
    if not a["unsure"]:
        return a["label"]
    shape = a.get("looks_like")
    seen = f"; looks like {WORDS[shape]}" if shape in WORDS else ""
    return f"unsure (closest: {a['label']}{seen})"


def read_labels(path: str | Path) -> dict[str, tuple[tuple[str, ...], str]]:
    """{file name: (labels, kind family)} from a labels.csv; LabError if it cannot be used."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise LabError(f"{path.name} could not be read as a CSV file ({e}).") from None
    if not rows or not {"file", "label"} <= set(rows[0]):
        raise LabError(f"{path.name} needs the columns file and label (and kind).")
    out = {}
    for row in rows:
        labels = tuple(p.strip() for p in (row.get("label") or "").split("|") if p.strip())
        kind = (row.get("kind") or "").strip().split("-")[0] or "unknown"
        out[(row.get("file") or "").strip()] = (labels, kind)
    return out


def image_files(folder: str | Path) -> list[Path]:
    """The images in a folder, by name: files with an image extension (any case) or whose first
    bytes say they are an image; hidden files and sub-folders are left out."""
    folder = Path(folder)
    if not folder.is_dir():
        raise LabError(f"{folder} is not a folder.")
    out = []
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or not p.is_file():
            continue
        if p.suffix.lower() in SUPPORTED_EXTENSIONS:
            out.append(p)
            continue
        try:
            with open(p, "rb") as f:
                head = f.read(32)
        except OSError:
            continue
        if sniff_format(head) is not None:
            out.append(p)
    return out


def outcome(answer: Answer, classes: list[str]) -> str:
    """right / wrong / unsure / refused for a labelled answer, 'answered' or 'unsure' without."""
    if answer.refused is not None:
        return "refused"
    if not answer.labels:
        return "unsure" if answer.unsure else "answered"
    if not set(answer.labels) & set(classes):
        return "right" if answer.unsure else "wrong"
    if answer.unsure:
        return "unsure"
    return "right" if answer.label in answer.labels else "wrong"


def group(answer: Answer, classes: list[str]) -> str:
    if not answer.labels:
        return "unlabelled"
    return "in-class" if set(answer.labels) & set(classes) else "out-of-class"


def classify_folder(
    predictor: Predictor,
    folder: str | Path,
    labels: str | Path | None = None,
    on_file: Callable[[int, int, Answer], None] | None = None,
) -> list[Answer]:
    """An Answer for every image in folder; labels is a labels.csv (default: the folder's own,
    where there is one). on_file(i, n, answer) is called after each image."""
    files = image_files(folder)
    if labels is None and (Path(folder) / "labels.csv").is_file():
        labels = Path(folder) / "labels.csv"
    table = read_labels(labels) if labels is not None else {}
    answers = []
    for i, path in enumerate(files):
        labels_, kind = table.get(path.name, ((), "unknown"))
        answers.append(answer_image(predictor, path, path.name, labels=labels_, kind=kind))
        if on_file is not None:
            on_file(i, len(files), answers[-1])
    return answers


def answer_image(
    predictor: Predictor, src, name: str, *, labels: tuple[str, ...] = (), kind: str = "unknown"
) -> Answer:
    """The Answer for one image (a path, bytes or a file object); never raises for a bad file."""
    answer = Answer(file=name, kind=kind, labels=labels)
    try:
        r = predict_file(predictor, src, name=name)
    except LabError as e:
        answer.refused = str(e)
    except Exception as e:  # an unexpected failure on one file must not stop the others
        answer.refused = f"{name} could not be read ({type(e).__name__})."
    else:
        answer.label, answer.probabilities = r["label"], r["probabilities"]
        answer.unsure = bool(r.get("unsure", False))
        answer.looks_like = r.get("looks_like")
        answer.trace_found = bool(r.get("trace_found", True))
    answer.outcome = outcome(answer, predictor.classes)
    return answer


def classify_generated(
    predictor: Predictor,
    n: int,
    seed: int,
    *,
    as_drawn: bool = False,
    seen: Callable | None = None,
) -> list[Answer]:
    """An Answer for each of n generated captures (core.data.looks), cycling through the looks
    and, per look, through the run's classes, "other" (a distractor shape) and "none" (a screen
    or plot without a trace), seeded from `seed`; each Answer's kind is its look and its file
    the capture's name (look:class:seed). The captures are read as `predict` reads a picture.

    as_drawn: read each capture from the mask of the trace it was drawn with instead (the
    reading a perfect trace finder would make; captures without a trace are left out), so the
    answers' misses are the answering network's own and not the reading's. seen: called with
    each capture (core.data.looks.Capture), the reading answered and its Answer, to judge the
    reading against the traces drawn (scripts/capture_figures.py --causes)."""
    from core.data.looks import LOOKS, render_capture
    from core.data.waveforms import CLASSES

    pool = [*(c for c in predictor.classes if c in CLASSES[:3]), *OUT_OF_CLASS]
    answers = []
    for i in range(n):
        look, cls = LOOKS[i % len(LOOKS)], pool[(i // len(LOOKS)) % len(pool)]
        cap = render_capture(look, cls, seed + i)
        # Every class a visible trace shows is a right answer; with none, "other" or "none".
        labels = cap.labels or (cap.label,)
        if not as_drawn:
            reading, r = read_and_answer(predictor, cap.image)
        elif cap.mask is None or not cap.mask.any():
            continue
        else:
            labels = (cap.label,)  # the drawn trace's own class, not another channel's
            reading, r = _answer_drawn(predictor, cap.image, cap.mask)
        answer = Answer(file=f"{look}:{cls}:{seed + i}", kind=look, labels=labels)
        answer.label, answer.probabilities = r["label"], r["probabilities"]
        answer.unsure, answer.trace_found = bool(r["unsure"]), bool(r["trace_found"])
        answer.looks_like = r.get("looks_like")
        answer.outcome = outcome(answer, predictor.classes)
        answers.append(answer)
        if seen is not None:
            seen(cap, reading, answer)
    return answers


def _answer_drawn(predictor: Predictor, rgb, mask) -> tuple:
    """(the reading, its answer) for the trace drawn where bool `mask` is, read across its own
    columns."""
    from core.capture.pipeline import mask_reading

    cols = np.flatnonzero(mask.any(0))
    reading = mask_reading(rgb, mask, size=predictor.image_size,
                           thickness=training_thickness(predictor.experiment),
                           view=(int(cols[0]), int(cols[-1]) + 1))  # fmt: skip
    return reading, answer_reading(predictor, reading)


def tally(answers: list[Answer], classes: list[str]) -> list[dict]:
    """Rows {kind, group, images, read, right, wrong, unsure, refused} per kind and group, then
    one row per group over all kinds (kind 'all'). Out-of-class rows count unsure as right."""
    keys = sorted({(a.kind, group(a, classes)) for a in answers}, key=lambda k: (k[0], k[1]))
    groups = sorted({g for _, g in keys}, key=GROUPS.index)
    rows = []
    for kind, grp in [*keys, *(("all", g) for g in groups)]:
        members = [a for a in answers if group(a, classes) == grp and kind in ("all", a.kind)]
        outcomes = [a.outcome for a in members]
        row = {"kind": kind, "group": grp, "images": len(members)}
        row["read"] = len(members) - outcomes.count("refused")
        row["right"], row["wrong"] = outcomes.count("right"), outcomes.count("wrong")
        row["unsure"] = sum(a.unsure and a.refused is None for a in members)
        row["refused"] = outcomes.count("refused")
        rows.append(row)
    return rows


def format_tally(rows: list[dict]) -> str:
    """Tally rows -> an aligned text table."""
    head = ("kind", "group", *COUNTS)
    cells = [head] + [tuple(str(r[c]) for c in head) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(head))]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(len(head))) for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
