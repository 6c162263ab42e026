"""A run's trained network, loaded back to classify images (generated or read from files)."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.capture.namer import OFF_CLASS_ABOVE, off_class
from core.errors import LabError, RunError
from core.nn.model import build_model
from core.training.experiment import Experiment, experiment_from_dict
from core.training.runs import Run, load_run

EXAMPLE_RUN = Path(__file__).resolve().parents[2] / "examples" / "runs" / "example-fast"
# Below this top probability the answer is "none of the shapes this network knows". Networks are
# trained towards a uniform answer on distractor shapes, so an unfamiliar trace lands near 1/3.
UNSURE_BELOW = 0.70
# The classes are shapes that mirroring leaves in their class: a square, a sine or a gaussian
# reversed in time is one still, and so is one upside down where the run was trained on both
# polarities. A network that knows the shape says so of its mirror images too; an answer that
# does not survive them is a guess about a shape it was not taught (an RC charge read as a
# gaussian's flank, a rectified sine as a sine). Below this top-class probability averaged over
# the input and its mirror images, the answer is unsure too. Both thresholds were set together
# on readings of the real dev captures (as they are and after the everyday changes of
# core.data.variants) and of generated captures, for the example run and a second seed of its
# recipe: against the top probability alone at 0.75, more of both in-class images answered
# right and other shapes answered unsure (scripts/capture_figures.py).
MIRRORED_BELOW = 0.5


def shown_probability(p: float, below: float | None = None, *, percent: bool = False) -> str:
    """A probability as text, to two decimals (or a whole percentage); with one digit more,
    cut rather than rounded, where it is under `below` (one of the unsure rule's thresholds)
    but would round up to it: 0.698 is unsure, and "0.70" (or "70%") would read as not."""
    scale = 100
    if below is not None and p < below and round(scale * p) >= round(scale * below):
        cut = math.floor(10 * scale * p) / (10 * scale)  # 0.69996 is 0.699, not 0.700
        return f"{100 * cut:.1f}%" if percent else f"{cut:.3f}"
    return f"{p:.0%}" if percent else f"{p:.2f}"


def is_unsure(
    probabilities: np.ndarray,
    trace_found: bool = True,
    mirrored: float | None = None,
    off_class: float | None = None,
) -> bool:
    """The rule for "unsure": no trace, a top class probability below UNSURE_BELOW, or (where
    given) the top class's probability over the input's mirror images, `mirrored` (see
    Predictor.mirrored), below MIRRORED_BELOW, or the shape namer's belief in shapes outside the
    run's classes, `off_class` (core.capture.namer.off_class), above OFF_CLASS_ABOVE."""
    if not trace_found or float(np.max(probabilities)) < UNSURE_BELOW:
        return True
    if off_class is not None and off_class > OFF_CLASS_ABOVE:
        return True
    return mirrored is not None and mirrored < MIRRORED_BELOW


def mirror_axes(classes: list[str], both_polarities: bool) -> list[tuple[int, ...]]:
    """The mirrorings that leave each class's shapes in their class, as the axes of an image
    batch (N, H, W) to flip: in time, unless a sawtooth was trained one way up only (reversed,
    it ramps down); upside down and both, where both polarities were trained."""
    axes: list[tuple[int, ...]] = []
    if both_polarities or "sawtooth" not in classes:
        axes.append((-1,))
    if both_polarities:
        axes += [(-2,), (-2, -1)]
    return axes


@dataclass
class Predictor:
    """A run's network on the CPU in eval mode, with its class names and training line thickness."""

    run: Run
    experiment: Experiment
    model: torch.nn.Module

    @property
    def classes(self) -> list[str]:
        return list(self.run.config.get("classes", []))

    @property
    def image_size(self) -> int:
        return self.experiment.model.image_size

    @torch.no_grad()
    def probabilities(self, images: np.ndarray | torch.Tensor) -> np.ndarray:
        """Class probabilities (N, n_classes) for images (N, H, W) or (N, 1, H, W) in [0, 1]."""
        x = torch.as_tensor(np.asarray(images, dtype=np.float32))
        if x.ndim == 2:
            x = x[None]
        if x.ndim == 3:
            x = x[:, None]
        if tuple(x.shape[-2:]) != (self.image_size, self.image_size):
            raise LabError(
                f"This run's network takes {self.image_size}x{self.image_size} images, "
                f"not {x.shape[-1]}x{x.shape[-2]}."
            )
        out = self.model(x)
        return outputs_to_probabilities(out, self.experiment.train.loss).numpy()

    @property
    def mirrors(self) -> list[tuple[int, ...]]:
        """The mirrorings that keep this run's classes (mirror_axes), as axes to flip."""
        polarity = self.experiment.waveforms.polarity  # the chance a trace was drawn inverted
        return mirror_axes(self.classes, 0 < polarity < 1)

    def mirrored(self, images: np.ndarray, probs: np.ndarray | None = None) -> np.ndarray:
        """(N,): each image's top class probability averaged over the image and its mirror
        images (mirror_axes of the run's classes and training polarity); the top probability
        itself for a run whose classes no mirroring keeps. probs: the images' own, if known."""
        x = np.asarray(images, dtype=np.float32)
        x = x[None] if x.ndim == 2 else x.reshape(-1, *x.shape[-2:])
        probs = self.probabilities(x) if probs is None else probs
        top = probs.argmax(1)
        seen = [probs] + [self.probabilities(np.flip(x, a).copy()) for a in self.mirrors]
        return np.mean([p[np.arange(len(top)), top] for p in seen], axis=0)

    def predict(self, images: np.ndarray) -> list[dict]:
        """[{label, unsure, probabilities: {class: p}, mirrored, looks_like}] for each image:
        label is the top class, unsure says it is probably none of them (is_unsure, with
        `mirrored`, the top class's probability over the image and its mirror images, and the
        shape namer's second opinion; an empty image is always unsure). looks_like is the shape
        the namer sees (a key of core.capture.namer.WORDS) where that opinion makes the answer
        unsure: a shape outside the run's classes; None otherwise."""
        x = np.asarray(images)
        probs = self.probabilities(x)
        mirrored = self.mirrored(x, probs)
        names = self.classes
        found = x.reshape(len(probs), -1).any(1)
        named = off_class(x.reshape(len(probs), *x.shape[-2:]), names)
        named = named if named is not None else [(None, None)] * len(probs)
        out = []
        for p, f, m, (share, shape) in zip(probs, found, mirrored, named):
            off = share is not None and bool(f) and share > OFF_CLASS_ABOVE
            out.append({
                "label": names[int(p.argmax())],
                "unsure": is_unsure(p, bool(f), float(m), share),
                "probabilities": {c: float(v) for c, v in zip(names, p)},
                "mirrored": float(m),
                "looks_like": shape if off else None,
            })  # fmt: skip
        return out


def outputs_to_probabilities(out: torch.Tensor, loss: str) -> torch.Tensor:
    """Raw network outputs -> probabilities summing to 1 per row, by how the run was trained."""
    if loss == "cross_entropy":
        return torch.softmax(out, dim=1)
    if loss == "bce":
        scores = torch.sigmoid(out)
    else:  # L1/MSE on 0/1 targets: an output near 1 means "this class"
        scores = out.clamp(0, 1)
    scores = scores + 1e-6
    return scores / scores.sum(dim=1, keepdim=True)


def load_predictor(run: str | os.PathLike | Run) -> Predictor:
    """Rebuild a run's network from config.json and model.pt; RunError if damaged."""
    if not isinstance(run, Run):
        run = load_run(run)
    exp = experiment_from_dict(run.config)
    model = build_model(exp.model)
    try:
        model.load_state_dict(run.state_dict())
    except RuntimeError:
        raise RunError(
            f"{run.name}/model.pt does not match the network in its config.json."
        ) from None
    model.eval()
    return Predictor(run=run, experiment=exp, model=model)


def training_thickness(exp: Experiment) -> int:
    """The typical line thickness (px) of the run's training images, for scope images."""
    lo, hi = exp.waveforms.thickness
    return max(1, int(round((lo + hi) / 2)))


def read_automatically(
    rgb: np.ndarray, *, crop=None, colour=None, tilt: float = 0.0, predictor=None, **opts
):
    """The capture reading `predict` uses: the automatic search (core.capture.read_capture), in
    the plot area where the user chose one (read_capture_in), or the rules' reading of the trace
    colour the user chose (in the picture straightened by `tilt`, as an automatic reading that
    straightened it read it: core.capture.search.read_colour). With the answering `predictor`,
    a first reading it is not sure of sends the search on for the picture's other traces."""
    from core.capture import read_capture
    from core.capture.search import read_capture_in, read_colour

    if colour is None:
        if crop is None:
            return read_capture(rgb, recognise=recogniser(predictor), **opts)
        return read_capture_in(rgb, crop, recognise=recogniser(predictor), **opts)
    return read_colour(rgb, crop, colour, tilt=tilt, **opts)


def recogniser(predictor: Predictor | None):
    """A network input (size, size) -> how surely the predictor recognises it (`surety`); None
    without one. The automatic reading stops at a reading recognised at SURE or more, so a
    reading the answer would call unsure (a step the shape namer sees, a guess that does not
    survive mirroring) sends it on to the picture's other traces, however high its top class."""
    if predictor is None:
        return None
    return lambda x: float(surety(predictor, x[None])[0])


def surety(predictor: Predictor, images: np.ndarray) -> np.ndarray:
    """(N,) for network inputs (N, size, size): each one's top class probability where the
    predictor's answer is sure, half of it where the answer is unsure (is_unsure: the mirror
    images, the shape namer). A sure answer's top is at least UNSURE_BELOW, an unsure one's half
    at most 0.5, so every sure reading ranks above every unsure one."""
    out = predictor.predict(np.asarray(images))
    return np.array([max(o["probabilities"].values()) / (2 if o["unsure"] else 1) for o in out])


def recognised(predictor: Predictor, result):
    """The reading to answer from: where the automatic reading found several distinct traces read
    well (result.others: a second channel, the data beside its fit, the curves of a textbook
    figure), the one the network recognises most surely (`surety`: a reading it would answer
    surely before any it would not; a reading the finder does not trust, `confident` False,
    is answered unsure whatever the network says, and ranks so), with the rest as its
    `others`; the reading itself otherwise. A picture of a sine and a triangle is answered
    about the sine; one of triangles alone stays unsure."""
    others = list(getattr(result, "others", None) or [])
    if not others:
        return result
    readings = [result, *others]
    top = surety(predictor, np.stack([r.network_input for r in readings]))
    top /= [1 if getattr(r, "confident", True) else 2 for r in readings]  # answered unsure too
    j = int(np.argmax(top))
    if j == 0:
        return result
    chosen = readings[j]
    rest = [r for r in readings if r is not chosen]
    return dataclasses.replace(chosen, others=rest, warnings=list(chosen.warnings))


def answer(predictor: Predictor, result) -> dict:
    """{label, unsure, probabilities, trace_found, doubt} for a capture's reading; where no trace
    is found or the finder is not confident the answer is unsure (the top class is still
    given), and `doubt` says why the line read is not trusted (CaptureResult.doubt; None where
    it is)."""
    out = predictor.predict(result.network_input[None])[0]
    out["unsure"] = out["unsure"] or not getattr(result, "confident", result.found)
    return out | {"trace_found": result.found, "doubt": getattr(result, "doubt", None)}


def predict_capture(predictor: Predictor, rgb: np.ndarray, *, crop=None, colour=None) -> dict:
    """Classify a capture RGB (H, W, 3) already the right way up (see `answer`)."""
    return read_and_answer(predictor, rgb, crop=crop, colour=colour)[1]


def read_and_answer(predictor: Predictor, rgb: np.ndarray, *, crop=None, colour=None):
    """(the reading answered, predict_capture's answer) for a capture RGB (H, W, 3) already the
    right way up: the reading the answer is about, to show or to judge."""
    opts = {"size": predictor.image_size, "thickness": training_thickness(predictor.experiment)}
    result = read_automatically(rgb, crop=crop, colour=colour, predictor=predictor, **opts)
    chosen = recognised(predictor, result)
    return chosen, _answer_chosen(predictor, chosen)


def predict_file(
    predictor: Predictor, path, *, crop=None, colour=None, name: str | None = None
) -> dict:
    """Read one image (a path, or bytes / a file object with `name`) the right way up, find its
    trace and classify it: {file, label, unsure, ...}; no trace is answered unsure, not refused."""
    from core.capture import capture_file

    src = Path(path) if isinstance(path, str | Path) else path
    result, _ = capture_file(
        src,
        name=name,
        extract=read_automatically,
        crop=crop,
        colour=colour,
        predictor=predictor,
        size=predictor.image_size,
        thickness=training_thickness(predictor.experiment),
    )
    return {"file": name or str(path)} | _answer_traces(predictor, result)


def _answer_traces(predictor: Predictor, result) -> dict:
    """`answer` for the trace the network recognises among those read (_answer_chosen)."""
    return _answer_chosen(predictor, recognised(predictor, result))


def _answer_chosen(predictor: Predictor, chosen) -> dict:
    """`answer` for the reading chosen, and "traces": how many waveforms were read in the
    picture (0 where none was found)."""
    return answer(predictor, chosen) | {"traces": int(chosen.found) + len(chosen.others)}
