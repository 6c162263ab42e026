"""The lab's data: one-bit waveform images for training, their previews and downloads, and
scope-style screenshots drawn from the same waveforms (samples to try, test fixtures).

`waveforms` rasterises square, gaussian and sine pulses (vectorised, seeded); `export` makes the
Waveforms page's previews and zip download; `scope_samples` draws them as a scope would show them.
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
    spec_from_dict,
    spec_to_dict,
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
    "spec_from_dict",
    "spec_to_dict",
]
