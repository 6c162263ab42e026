"""Streamlit side of the Waveforms page: its sliders' ranges and labels, presets, and the
WaveformSpec the widgets describe."""

from __future__ import annotations

import dataclasses

import streamlit as st

from core.data.waveforms import WaveformSpec
from core.errors import LabError
from ui.state import set_sticky

# name: (label, slider low, slider high, step, help). The sliders reach past what the generator
# allows on purpose: an impossible setting is explained in a sentence instead of being hidden.
RANGES = {
    "amplitude": ("Amplitude", 0.0, 1.0, 0.05, "Peak-to-peak height, as a fraction of the image."),
    "baseline": ("Height in the image", 0.0, 1.0, 0.05, "Where the trace sits: 0 bottom, 1 top."),
    "thickness": ("Line thickness (pixels)", 1, 12, 1, "Width of the drawn trace."),
    "position": ("Pulse position", 0.0, 1.0, 0.05, "Single square pulse or bump: 0 left, 1 right."),
    "width": ("Square pulse width", 0.0, 1.0, 0.01, "Single square pulse, fraction of the view."),
    "repetitions": ("Square periods", 1, 20, 1, "1 = a single pulse, more = a pulse train."),
    "duty": ("Duty cycle", 0.0, 1.0, 0.05, "Pulse trains: fraction of a period spent high."),
    "sigma": ("Gaussian width σ", 0.0, 0.3, 0.01, "Standard deviation, fraction of the view."),
    "cycles": ("Cycles across the view", 0.25, 20.0, 0.25, "Sine and sawtooth periods shown."),
    "phase": ("Phase", 0.0, 1.0, 0.05, "Fraction of a period: sine, sawtooth, pulse trains."),
    "jitter": ("Vertical jitter (pixels)", 0.0, 10.0, 0.5, "Largest random shake of the trace."),
    "flip_noise": ("Pixel noise", 0.0, 0.25, 0.005, "Fraction of all pixels flipped at random."),
    "bumps": ("Gaussian peaks", 1, 6, 1, "Peaks per gaussian image: above 1, a multi-peak fit."),
}
# name: (label, help) of the single-value sliders (0..1 shares) for how scopes show waveforms.
SHARES = {
    "artefacts": ("Scope artefacts", "Share of images with rounded edges, overshoot and "
                  "ringing, noise or a sloped baseline, as real scopes show them."),
    "distractors": ("Other shapes (unsure)", "Triangles, sawtooths, RC curves, steps, DC and "
                    "noise per training image, learnt as 'none of these shapes'."),
}  # fmt: skip
TABS = {
    "Trace": ("amplitude", "baseline", "thickness"),
    "Pulses": ("repetitions", "position", "width", "duty", "sigma", "bumps"),
    "Periodic": ("cycles", "phase"),
    "Noise": ("jitter", "flip_noise"),
}
SIZES = (32, 48, 64, 80, 100, 128, 160)
DEFAULTS = dataclasses.asdict(WaveformSpec())  # widget values: ranges as (low, high) tuples


def load_spec(spec: WaveformSpec) -> None:
    """Set every setting widget (wf_<field>) to the spec's value."""
    for name, value in dataclasses.asdict(spec).items():
        set_sticky(f"wf_{name}", value)


def reroll() -> None:
    set_sticky("wf_seed", st.session_state.wf_seed + 1)


def spec_from_widgets() -> tuple[WaveformSpec | None, LabError | None]:
    """(the spec the widgets describe, None), or (None, the sentence saying why there is none)."""
    ss = st.session_state
    try:
        spec = WaveformSpec(
            size=ss.wf_size,
            include_sawtooth=ss.wf_include_sawtooth,
            polarity=ss.wf_polarity,
            **{name: tuple(ss[f"wf_{name}"]) for name in RANGES},
            **{name: ss[f"wf_{name}"] for name in SHARES},
        )
    except LabError as e:
        return None, e
    return spec, None


def exact_default(name: str):
    """The one-waveform slider's start for a setting: the middle of its default range, on the
    slider's steps."""
    _, lo, _, step, _ = RANGES[name]
    mid = sum(getattr(WaveformSpec(), name)) / 2
    return round(mid) if isinstance(lo, int) else round(mid / step) * step
