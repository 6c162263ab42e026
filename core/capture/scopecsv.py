"""Oscilloscope CSV exports -> named channels of samples (and their time axis, when it is there).

Makes write different header lines (Rigol: `X,CH1,Start,Increment` then units and the start time;
Siglent: `Record Length,Analog:...` lines then `Second,Volt`; Keysight InfiniiVision: `x-axis,1,2`
then `second,Volt,Volt`; Tektronix: key/value settings in the first three columns of the same
rows that hold time and voltage in the next two), so the reader does not look for a make: it takes
the longest block of rows whose columns are numbers, names each column from the nearest text row
above it (or `Source,CH1`), and treats a column that only ever grows as the time axis.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field

import numpy as np

from core.errors import LabError

MAX_CSV_BYTES = 60_000_000  # a 1M-point, 4-channel export is about 50 MB
MIN_SAMPLES = 20  # fewer rows of numbers than this is not a waveform
NUMERIC_SHARE = 0.95  # a column is numeric when this share of the block's rows hold a number
_TIME_NAMES = re.compile(r"^(x|x-axis|time|times|second|seconds|s|sec|t|in s|time\s*\(s\))$", re.I)
_INDEX_NAMES = re.compile(r"^(sequence|index|no\.?|nr|sample|samples|point|points|#)$", re.I)


class ScopeCSVError(LabError):
    """A CSV that cannot be read as a scope's waveform export."""


@dataclass
class ScopeTrace:
    """Channels of one export: {name: float64 (N,)}, the time axis (N,) in seconds if known."""

    channels: dict[str, np.ndarray]
    time: np.ndarray | None = None
    settings: dict[str, str] = field(default_factory=dict)  # the header's key/value lines

    @property
    def names(self) -> list[str]:
        return list(self.channels)

    def __len__(self) -> int:
        return len(next(iter(self.channels.values())))


def _number(cell: str) -> float | None:
    s = cell.strip().strip('"').strip()
    if not s:
        return None
    try:
        v = float(s)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_CSV_BYTES:
        raise ScopeCSVError(
            f"{name} is {len(data) / 1e6:.0f} MB, more than the {MAX_CSV_BYTES // 1_000_000} MB "
            "this lab reads from a CSV: save fewer points (the screen's, not the full memory)."
        )
    if b"\x00" in data[:4096]:
        raise ScopeCSVError(f"{name} is not a text file, so not a scope's CSV export.")
    for enc in ("utf-8-sig", "latin-1"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise ScopeCSVError(f"{name} is not readable text.")  # latin-1 decodes anything: unreachable


def _rows(text: str) -> list[list[str]]:
    sample = text[:20_000]
    counts = {d: sample.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=counts.get) if any(counts.values()) else ","
    return [r for r in csv.reader(io.StringIO(text), delimiter=delim)]


def _data_block(rows: list[list[str]]) -> tuple[int, int]:
    """[start, end) of the longest run of rows with at least one number in them."""
    best, start = (0, 0), None
    for i, row in enumerate([*rows, []]):
        numeric = any(_number(c) is not None for c in row)
        if numeric and start is None:
            start = i
        elif not numeric and start is not None:
            if i - start > best[1] - best[0]:
                best = (start, i)
            start = None
    return best


def _settings(rows: list[list[str]]) -> dict[str, str]:
    """Key/value pairs from rows like `Sample Interval,4.0e-08` or `Source,CH1`."""
    out: dict[str, str] = {}
    for row in rows:
        if len(row) >= 2 and row[0].strip() and _number(row[0]) is None and row[1].strip():
            out.setdefault(row[0].strip().rstrip(":"), row[1].strip())
    return out


def _header_pairs(rows: list[list[str]]) -> dict[str, str]:
    """Names over numbers in the next row (Rigol: `Start,Increment` over `-6e-03,2e-06`)."""
    out: dict[str, str] = {}
    for above, below in zip(rows, rows[1:]):
        for c, cell in enumerate(above):
            if c < len(below) and cell.strip() and _number(cell) is None:
                if _number(below[c]) is not None:
                    out.setdefault(cell.strip(), below[c].strip())
    return out


_UNITS = re.compile(r"^(volt|volts|v|value|mv|a|amp|ampere)$", re.I)


def _names(rows: list[list[str]], start: int, cols: list[int]) -> dict[int, str]:
    """Each numeric column's name from the header rows just above the block (a names row and a
    units row at most), skipping units: Keysight's `x-axis,1,2` over `second,Volt,Volt`."""
    names: dict[int, str] = {}
    for row in reversed(rows[max(0, start - 2) : start]):
        if all(_number(c) is not None or not c.strip() for c in row):
            continue  # not a header row
        for c in cols:
            if c not in names and c < len(row):
                cell = row[c].strip().strip('"')
                if cell and not _UNITS.match(cell):
                    names[c] = cell
    return names


def read_scope_csv(data: bytes, name: str = "The file") -> ScopeTrace:
    """Parse a scope's CSV export; ScopeCSVError with a sentence for anything that is not one."""
    rows = _rows(_decode(data, name))
    start, end = _data_block(rows)
    block = rows[start:end]
    if len(block) < MIN_SAMPLES:
        raise ScopeCSVError(
            f"{name} has no waveform in it: a scope's CSV holds columns of numbers (time and one "
            f"or more channels) over at least {MIN_SAMPLES} rows, and this has "
            f"{len(block)} such row{'s' * (len(block) != 1)}."
        )
    width = max(len(r) for r in block)
    values = np.full((len(block), width), np.nan)
    for i, row in enumerate(block):
        for j, cell in enumerate(row):
            v = _number(cell)
            if v is not None:
                values[i, j] = v
    cols = [j for j in range(width) if np.isfinite(values[:, j]).mean() >= NUMERIC_SHARE]
    if not cols:
        raise ScopeCSVError(f"{name} has no column that is numbers all the way down.")
    # A units row with numbers beside it (Rigol: `Sequence,Volt,Volt,-6e-03,2e-06`) is header.
    full = np.isfinite(values[:, cols]).all(axis=1)
    first = int(np.argmax(full))
    start, values, block = start + first, values[first:], block[first:]
    settings = _settings(rows[:start] + [r[:3] for r in block]) | _header_pairs(rows[:start])
    names = _names(rows, start, cols)
    columns = {j: values[:, j] for j in cols}
    time, index = None, None
    for j in cols:
        label = names.get(j, "")
        grows = bool(np.all(np.diff(columns[j][np.isfinite(columns[j])]) > 0))
        if grows and _INDEX_NAMES.match(label):
            index = j
        elif grows and time is None and (_TIME_NAMES.match(label) or j == cols[0]):
            time = j
    channels = {}
    data_cols = [j for j in cols if j not in (time, index)]
    for j in data_cols:
        source = settings.get("Source") if len(data_cols) == 1 else None
        label = names.get(j) or source or f"CH{len(channels) + 1}"
        label = f"CH{label}" if label.isdigit() else label  # Keysight names channels 1, 2, ...
        while label in channels:
            label += "'"
        channels[label] = _filled(columns[j])
    if not channels:
        raise ScopeCSVError(
            f"{name} has a time column but no channel of voltages beside it, so no waveform."
        )
    t = _filled(columns[time]) if time is not None else _time_from_settings(settings, len(block))
    return ScopeTrace(channels=channels, time=t, settings=settings)


def _filled(col: np.ndarray) -> np.ndarray:
    """The column with its few missing cells filled from their neighbours."""
    ok = np.isfinite(col)
    if ok.all():
        return col.astype(np.float64)
    x = np.arange(len(col))
    return np.interp(x, x[ok], col[ok])


def _time_from_settings(settings: dict[str, str], n: int) -> np.ndarray | None:
    """Rigol's `Start`/`Increment` or an `Sample Interval`: time = start + i * increment."""
    inc = _number(
        settings.get("Increment", "") or settings.get("Sample Interval", "").split(":")[-1]
    )
    if inc is None or inc <= 0:
        return None
    t0 = _number(settings.get("Start", "")) or 0.0
    return t0 + inc * np.arange(n)
