"""The lab's data: one-bit waveform images for training, their previews and downloads, and
captures drawn from the same waveforms (samples to try, test fixtures, benchmarks).

`waveforms` rasterises square, gaussian and sine pulses (vectorised, seeded); `shapes` gives them
what scopes show (ringing, rounded edges, noise, slopes, several peaks) and draws the distractor
shapes a network learns to be unsure of; `export` makes the Waveforms page's previews and zip
download; `scope_samples` draws them as a scope would show them; `looks` renders labelled
captures (with ground-truth masks) as screens, phone photos, plots, drawings and paper.
"""

from core.data.waveforms import (
    CLASSES,
    STUDY_SPEC,
    WaveformSpec,
    class_names,
    distractor_set,
    make_datasets,
    render_batch,
    render_distractors,
    render_one,
)

__all__ = [
    "CLASSES",
    "STUDY_SPEC",
    "WaveformSpec",
    "class_names",
    "distractor_set",
    "make_datasets",
    "render_batch",
    "render_distractors",
    "render_one",
]
