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

EXAMPLE_RUN = Path(__file__).resolve().parents[2] / "examples" / "runs" / "example-fast"


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
        """[{label, probabilities: {class: p}}] for each image."""
        probs = self.probabilities(images)
        names = self.classes
        return [
            {
                "label": names[int(p.argmax())],
                "probabilities": {c: float(v) for c, v in zip(names, p)},
            }
            for p in probs
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


def predict_file(
    predictor: Predictor, path, *, crop=None, colour=None, name: str | None = None
) -> dict:
    """Read one image (a path, or bytes / a file object with `name`) the right way up, turn it
    into the network's input and classify it."""
    from core.capture import capture_file, source_name

    src = Path(path) if isinstance(path, str | Path) else path
    result, _ = capture_file(
        src,
        name=name,
        crop=crop,
        colour=colour,
        size=predictor.image_size,
        thickness=training_thickness(predictor.experiment),
    )
    if not result.found:
        raise LabError(f"No waveform trace was found in {source_name(src, name)}.")
    return {"file": name or str(path)} | predictor.predict(result.network_input[None])[0]
