"""A run's trained network, loaded back to classify images (generated or read from files)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.errors import LabError, RunError
from core.nn.model import build_model
from core.training.experiment import Experiment, experiment_from_dict
from core.training.runs import Run, load_run

# Below this top probability the answer is "none of the shapes this network knows". Networks are
# trained towards a uniform answer on distractor shapes, so an unfamiliar trace lands near 1/3;
# calibrated on generated captures (scripts/capture_figures.py): in-class looks stay above it.
UNSURE_BELOW = 0.75


def is_unsure(probabilities: np.ndarray, trace_found: bool = True) -> bool:
    """The rule for "unsure": no trace, or a top class probability below UNSURE_BELOW."""
    return (not trace_found) or float(np.max(probabilities)) < UNSURE_BELOW


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

    def predict(self, images: np.ndarray) -> list[dict]:
        """[{label, unsure, probabilities: {class: p}}] for each image: label is the top class,
        unsure says it is probably none of them (is_unsure; an empty image is always unsure)."""
        x = np.asarray(images)
        probs = self.probabilities(x)
        names = self.classes
        found = x.reshape(len(probs), -1).any(1)
        return [
            {
                "label": names[int(p.argmax())],
                "unsure": is_unsure(p, bool(f)),
                "probabilities": {c: float(v) for c, v in zip(names, p)},
            }
            for p, f in zip(probs, found)
        ]


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


def predict_capture(predictor: Predictor, rgb: np.ndarray, *, crop=None, colour=None) -> dict:
    """Classify a capture RGB (H, W, 3): {label, unsure, probabilities, trace_found}. Where no
    trace is found the answer is unsure (the top class of an empty input is still given)."""
    from core.capture import extract_trace, read_capture

    opts = {"size": predictor.image_size, "thickness": training_thickness(predictor.experiment)}
    if crop is None and colour is None:  # the automatic reading: the most waveform-like of tries
        res = read_capture(rgb, **opts)
    else:  # the user's own choice of plot area or colour
        res = extract_trace(rgb, crop=crop, colour=colour, **opts)
    out = predictor.predict(res.network_input[None])[0]
    out["unsure"] = out["unsure"] or not res.confident
    return out | {"trace_found": res.found}


def predict_file(predictor: Predictor, path: str | Path, *, crop=None, colour=None) -> dict:
    """Read one image file, find its trace and classify it: {file, label, unsure, ...}; an image
    with no trace is answered unsure rather than refused."""
    from core.capture import read_image_u8

    rgb = read_image_u8(Path(path))
    return {"file": str(path)} | predict_capture(predictor, rgb, crop=crop, colour=colour)
