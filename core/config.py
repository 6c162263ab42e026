"""Settings (the frozen dataclasses WaveformSpec, ModelConfig, TrainConfig) to and from the
JSON-safe dicts a run's config.json, an export's metadata and the app's session state hold."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from core.errors import LabError

T = TypeVar("T")


def to_dict(settings: Any) -> dict[str, Any]:
    """Every field of a settings dataclass, tuples as lists (as JSON stores them)."""
    return {
        k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(settings).items()
    }


def from_dict(cls: type[T], d: Any, what: str) -> T:
    """The `cls` in `d` (a `to_dict` output): missing fields take their defaults, a whole float
    such as 100.0 in a whole-number field becomes 100; unknown names are a LabError naming
    `what` ('waveform', 'model', 'training')."""
    if not isinstance(d, dict):
        raise LabError(f"The {what} settings must be a JSON object of setting names to values.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(map(str, set(d) - set(fields)))
    if unknown:
        raise LabError(
            f"Unknown {what} setting(s): {', '.join(unknown)}; known ones are {', '.join(fields)}."
        )
    values = {}
    for name, v in d.items():
        default = fields[name].default
        is_int = isinstance(default, int) and not isinstance(default, bool)
        if is_int and isinstance(v, float) and v.is_integer():
            v = int(v)  # JSON writers may store 100 as 100.0
        values[name] = v
    return cls(**values)
