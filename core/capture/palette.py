"""The 15-bit colour palette: colour facts per entry, images as indices, background, names."""

from __future__ import annotations

import numpy as np

from core.errors import LabError

COLOUR_NAMES = {
    "yellow": (255, 255, 0), "cyan": (0, 255, 255), "magenta": (255, 0, 255),
    "blue": (0, 120, 255), "red": (255, 0, 0), "green": (0, 255, 0), "orange": (255, 140, 0),
    "purple": (150, 50, 255), "pink": (255, 100, 180), "white": (255, 255, 255),
    "grey": (128, 128, 128), "gray": (128, 128, 128), "black": (0, 0, 0),
}  # fmt: skip


def _palette() -> dict[str, np.ndarray]:
    i = np.arange(32768)
    rgb = np.stack([i >> 10, (i >> 5) & 31, i & 31], 1) * 8 + 4  # (32768, 3) bin centres
    mx, mn = rgb.max(1), rgb.min(1)
    sat = (mx - mn) / np.maximum(mx, 1)
    hue = np.arctan2(np.sqrt(3) * (rgb[:, 1] - rgb[:, 2]), 2 * rgb[:, 0] - rgb[:, 1] - rgb[:, 2])
    disc = np.stack([sat * np.cos(hue), sat * np.sin(hue)], 1)  # hue/saturation, brightness-free
    return {"rgb": rgb, "lab": _lab(rgb), "sat": sat, "max": mx, "disc": disc}


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (..., 3) of sRGB (..., 3) in 0..255."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.9505, 1.0, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    x, y, z = f[..., 0], f[..., 1], f[..., 2]
    return np.stack([116 * y - 16, 500 * (x - y), 200 * (y - z)], -1)


_PAL = _palette()


def _index(img: np.ndarray) -> np.ndarray:
    """Palette index uint16 (H, W) of uint8 RGB (H, W, 3)."""
    q = (img >> 3).astype(np.uint16)
    return (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]


def _background(hist: np.ndarray) -> tuple[np.ndarray, str]:
    """Lab colour of the most common palette colour (and its near neighbours) and its kind."""
    mode = int(hist.argmax())
    near = np.linalg.norm(_PAL["lab"] - _PAL["lab"][mode], axis=1) < 8
    lab = np.average(_PAL["lab"][near], axis=0, weights=hist[near] + 1e-9)
    chroma = np.hypot(lab[1], lab[2])
    kind = "colormap" if chroma > 25 else ("dark" if lab[0] < 50 else "light")
    return lab, kind


def _to_rgb(lab: np.ndarray) -> tuple[int, int, int]:
    i = int(np.linalg.norm(_PAL["lab"] - lab, axis=1).argmin())
    return tuple(int(v) for v in _PAL["rgb"][i])


def _parse_colour(colour) -> tuple[int, int, int] | None:
    if colour is None:
        return None
    if isinstance(colour, str):
        text = colour.strip().lower()
        if text in COLOUR_NAMES:
            return COLOUR_NAMES[text]
        if len(text) == 7 and text[0] == "#":
            try:
                return tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
            except ValueError:
                pass
        names = ", ".join(sorted(COLOUR_NAMES))
        raise LabError(f"Unknown trace colour {colour!r}; use R,G,B, #rrggbb or one of: {names}.")
    try:
        rgb = tuple(int(v) for v in colour)
    except (TypeError, ValueError):
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise LabError(f"The trace colour must be three numbers 0-255 (R, G, B), got {colour!r}.")
    return rgb
