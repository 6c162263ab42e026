"""Interpreting a run: do its kernels reflect the data or "seem random"?

`diagnostics` measures kernels over snapshots (structure against random kernels, orientation,
frequency, dead kernels) and `verdict` puts them in words; `snapshot` evaluates the network at any
snapshot on its held-out set; `attribution` (saliency, Grad-CAM), `preferred` (inputs a kernel or
class likes best), `strokes`, `patches` and `features` (feature maps) show what each kernel sees.
"""

from core.interpret.attribution import grad_cam, saliency_map
from core.interpret.diagnostics import kernel_diagnostics, match_frames, structure_score
from core.interpret.features import feature_map, feature_maps
from core.interpret.snapshot import HeldOut, SnapshotEval, evaluate_snapshot, heldout_set
from core.interpret.verdict import structure_verdict, summary

__all__ = [
    "HeldOut",
    "SnapshotEval",
    "evaluate_snapshot",
    "feature_map",
    "feature_maps",
    "grad_cam",
    "heldout_set",
    "kernel_diagnostics",
    "match_frames",
    "saliency_map",
    "structure_score",
    "structure_verdict",
    "summary",
]
