"""Drawing kernels: a zero-centred diverging colour scale, montages, evolution GIFs and PNG bytes;
and the pages' other pictures: network inputs, heat overlays, boxes and colour swatches.

Everything is drawn with NumPy and Pillow (no pyplot figures) because the Kernels page redraws the
montage on every slider move. Images are built as palette indices first so that a GIF can reuse them
without colour quantisation: indices `0 .. N_LEVELS-1` are the diverging scale, then the gap colour,
the caption text colour and the caption background.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Literal

import matplotlib
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.errors import LabError

View = Literal["weights", "change_init", "change_prev"]
Scale = Literal["shared", "per_kernel"]
Progress = Callable[[int, int], None]  # (frames done, frames in all), for a progress bar
MAX_FRAMES = 150  # frames an animation of the snapshots shows at most, evenly spread

VIEWS: tuple[str, ...] = ("weights", "change_init", "change_prev")
VIEW_LABELS = {
    "weights": "weights",
    "change_init": "change since initialisation",
    "change_prev": "change since the previous snapshot",
}
# Odd so that 0 falls exactly on the middle level; 253 leaves three palette entries for the gap,
# caption text and caption background (a GIF palette holds 256).
N_LEVELS = 253
_MID = N_LEVELS // 2
GAP_INDEX, TEXT_INDEX, CAPTION_BG_INDEX = N_LEVELS, N_LEVELS + 1, N_LEVELS + 2
GAP_RGB = (48, 48, 48)
TEXT_RGB = (20, 20, 20)
CAPTION_BG_RGB = (255, 255, 255)


def _diverging_lut(name: str = "RdBu_r") -> np.ndarray:
    """uint8 (N_LEVELS, 3): blue (negative) .. near-white (zero) .. red (positive)."""
    cmap = matplotlib.colormaps[name]
    return np.round(cmap(np.linspace(0.0, 1.0, N_LEVELS))[:, :3] * 255).astype(np.uint8)


LUT = _diverging_lut()
_HEAT_LUT = np.round(matplotlib.colormaps["inferno"](np.linspace(0, 1, 256))[:, :3] * 255)
PALETTE = np.vstack([LUT, [GAP_RGB, TEXT_RGB, CAPTION_BG_RGB]]).astype(np.uint8)  # (256, 3)
_PALETTE_BYTES = PALETTE.tobytes()


def _levels(values: np.ndarray, vmax: float | np.ndarray) -> np.ndarray:
    """uint8 palette indices of `values` on the scale [-vmax, vmax]; NaN and vmax <= 0 give zero."""
    vmax = np.asarray(vmax, dtype=np.float32)
    vmax = np.where(np.isfinite(vmax) & (vmax > 0), vmax, np.float32(1.0))
    idx = np.rint(np.asarray(values, dtype=np.float32) / vmax * _MID) + _MID
    idx = np.nan_to_num(idx, nan=_MID)
    return np.clip(idx, 0, N_LEVELS - 1).astype(np.uint8)


def _as_kernels(weights: np.ndarray) -> np.ndarray:
    """float32 (k, K, K) from (k, K, K) or (k, 1, K, K) NumPy/torch weights."""
    w = np.asarray(weights.detach().cpu() if hasattr(weights, "detach") else weights, np.float32)
    if w.ndim == 4:
        w = w[:, 0]
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(f"expected kernels (k, K, K) or (k, 1, K, K), got shape {w.shape}")
    return w


def kernel_vmax(weights: np.ndarray, scale: Scale = "shared") -> np.ndarray:
    """float32 (k,) half-range of each kernel's colour scale: max |w| of all kernels or its own."""
    w = _as_kernels(weights)
    per = np.abs(w).reshape(len(w), -1).max(axis=1) if w.size else np.zeros(len(w))
    if scale == "shared":
        per = np.full(len(w), per.max() if len(per) else 0.0)
    elif scale != "per_kernel":
        raise ValueError(f"scale must be 'shared' or 'per_kernel', not {scale!r}")
    return per.astype(np.float32)


def kernel_view(weights_frames: np.ndarray, frame: int, view: View = "weights") -> np.ndarray:
    """float32 (k, K, K) of snapshot `frame` (negative counts from the end) in the chosen view."""
    wf = np.asarray(weights_frames, dtype=np.float32)
    n = len(wf)
    if not -n <= frame < n:
        raise LabError(f"Snapshot {frame} does not exist: this run has {n} snapshots.")
    frame %= n
    w = wf[frame]
    if view == "weights":
        out = w
    elif view == "change_init":
        out = w - wf[0]
    elif view == "change_prev":
        out = w - wf[frame - 1] if frame > 0 else np.zeros_like(w)
    else:
        raise ValueError(f"view must be one of {VIEWS}, not {view!r}")
    return _as_kernels(out)


def montage_grid(k: int, size: int, width: int) -> tuple[int, int]:
    """(kernels per row, upscale) for k kernels of size x size px drawn about `width` px wide:
    one row for up to four kernels, else two or more rows of at most six: the tiles stay large."""
    ncols = k if k <= 4 else min(-(-k // 2), 6)
    return ncols, max(1, min(12, width // (ncols * size)))


def _montage_levels(
    kernels: np.ndarray, vmax: np.ndarray, upscale: int, gap: int, ncols: int | None
) -> np.ndarray:
    """uint8 (H, W) palette indices: kernels in a grid, nearest-neighbour upscaled, gaps between."""
    k, kh, kw = kernels.shape
    ncols = k if not ncols else max(1, min(ncols, k))
    nrows = -(-k // ncols)
    levels = _levels(kernels, vmax.reshape(-1, 1, 1))  # (k, K, K)
    levels = levels.repeat(upscale, axis=1).repeat(upscale, axis=2)  # (k, K*u, K*u)
    th, tw = kh * upscale, kw * upscale
    out = np.full(
        (nrows * th + (nrows - 1) * gap, ncols * tw + (ncols - 1) * gap), GAP_INDEX, np.uint8
    )
    for i in range(k):
        r, c = divmod(i, ncols)
        out[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = levels[i]
    return out


def _resolve_vmax(kernels: np.ndarray, scale: Scale, view_vmax) -> np.ndarray:
    if view_vmax is None:
        return kernel_vmax(kernels, scale)
    return np.broadcast_to(np.asarray(view_vmax, dtype=np.float32), (len(kernels),))


def kernel_montage(
    weights: np.ndarray,
    *,
    scale: Scale = "shared",
    view_vmax: float | np.ndarray | None = None,
    upscale: int = 8,
    gap: int = 4,
    ncols: int | None = None,
    caption: str | None = None,
) -> np.ndarray:
    """uint8 (H, W, 3) kernels (k,[1,]K,K) side by side; `view_vmax` (scalar or (k,)) fixes it."""
    kernels = _as_kernels(weights)
    levels = _montage_levels(kernels, _resolve_vmax(kernels, scale, view_vmax), upscale, gap, ncols)
    if caption:
        levels = _with_caption(levels, caption)
    return PALETTE[levels]


def image_montage(
    images: np.ndarray, *, upscale: int = 8, gap: int = 4, ncols: int | None = None
) -> np.ndarray:
    """uint8 (H, W, 3) grey images (n, h, w) in [0, 1] in a grid laid out as `kernel_montage`
    lays out kernels of that size, so each image sits where its kernel does."""
    a = np.asarray(images, dtype=np.float32)
    n, h, w = a.shape
    ncols = n if not ncols else max(1, min(ncols, n))
    nrows = -(-n // ncols)
    th, tw = h * upscale, w * upscale
    out = np.empty((nrows * th + (nrows - 1) * gap, ncols * tw + (ncols - 1) * gap, 3), np.uint8)
    out[:] = GAP_RGB
    tiles = grey_u8(a).repeat(upscale, axis=1).repeat(upscale, axis=2)
    for i in range(n):
        r, c = divmod(i, ncols)
        out[r * (th + gap) : r * (th + gap) + th, c * (tw + gap) : c * (tw + gap) + tw] = tiles[
            i, ..., None
        ]
    return out


def _font(size: int = 12) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: a fixed bitmap font
        return ImageFont.load_default()


_CAPTION_H = 16


def _with_caption(levels: np.ndarray, text: str) -> np.ndarray:
    """uint8 (H + 16, W) palette indices with a caption strip drawn under the image."""
    strip = Image.new("P", (levels.shape[1], _CAPTION_H), CAPTION_BG_INDEX)
    ImageDraw.Draw(strip).text((3, 1), text, fill=TEXT_INDEX, font=_font())
    return np.vstack([levels, np.asarray(strip, dtype=np.uint8)])


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def montage_png(weights: np.ndarray, **kwargs) -> bytes:
    """PNG bytes of `kernel_montage(weights, **kwargs)`."""
    return _png(Image.fromarray(kernel_montage(weights, **kwargs)))


def _frame_views(weights_frames: np.ndarray, idx: np.ndarray, view: View) -> np.ndarray:
    """float32 (len(idx), k, K, K) of the chosen view; change_prev is taken between shown frames."""
    wf = np.asarray(weights_frames, dtype=np.float32)
    w = wf[idx].reshape(len(idx), wf.shape[1], wf.shape[-2], wf.shape[-1])
    if view == "weights":
        return w
    if view == "change_init":
        return w - wf[0].reshape(w.shape[1:])
    if view == "change_prev":
        prev = np.concatenate([w[:1], w[:-1]])
        return w - prev
    raise ValueError(f"view must be one of {VIEWS}, not {view!r}")


def sample_frames(n_frames: int, max_frames: int) -> np.ndarray:
    """int64 indices of at most `max_frames` evenly spread frames, always the first and the last."""
    if n_frames <= max_frames:
        return np.arange(n_frames)
    return np.unique(np.rint(np.linspace(0, n_frames - 1, max(2, max_frames))).astype(np.int64))


def frame_caption(i: int, n: int, steps=None, epochs=None, losses=None) -> str:
    """'snapshot 3/40  step 120  epoch 2  loss 0.41' for frame i of n (what is known of it)."""
    text = f"snapshot {i}/{n - 1}"
    if steps is not None:
        text += f"  step {int(steps[i])}"
    if epochs is not None:
        text += f"  epoch {int(epochs[i])}"
    if losses is not None and np.isfinite(losses[i]):
        text += f"  loss {float(losses[i]):.3g}"
    return text


def iter_evolution_frames(
    weights_frames: np.ndarray,
    *,
    view: View = "weights",
    scale: Scale = "shared",
    max_frames: int = MAX_FRAMES,
    upscale: int = 4,
    gap: int = 4,
    steps: np.ndarray | None = None,
    epochs: np.ndarray | None = None,
    losses: np.ndarray | None = None,
    caption: bool = True,
    progress: Progress | None = None,
) -> Iterator[np.ndarray]:
    """Palette-index frames uint8 (H, W) of the snapshots (F,k,1,K,K), drawn one at a time, one
    colour scale fixed across all frames (colour them with PALETTE); losses (F,) is the loss at
    each snapshot. progress(done, total) is called as the caller asks for the next frame, so
    `done` counts frames the caller has finished with (drawn and, for a video, encoded)."""
    wf = np.asarray(weights_frames, dtype=np.float32)
    if len(wf) == 0:
        raise LabError("This run has no kernel snapshots to animate yet.")
    idx = sample_frames(len(wf), max_frames)
    views = _frame_views(wf, idx, view)  # (n, k, K, K)
    per_kernel = np.abs(views).max(axis=(0, 2, 3))  # (k,) over every shown frame: an honest scale
    vmax = per_kernel if scale == "per_kernel" else np.full_like(per_kernel, per_kernel.max())
    for n, i in enumerate(idx):
        levels = _montage_levels(views[n], vmax, upscale, gap, None)
        if caption:
            levels = _with_caption(levels, frame_caption(i, len(wf), steps, epochs, losses))
        yield levels
        if progress is not None:
            progress(n + 1, len(idx))


def evolution_frames(weights_frames: np.ndarray, **kwargs) -> list[np.ndarray]:
    """All the frames of `iter_evolution_frames(weights_frames, **kwargs)` as a list."""
    return list(iter_evolution_frames(weights_frames, **kwargs))


def evolution_gif(weights_frames: np.ndarray, *, fps: float = 10.0, **kwargs) -> bytes:
    """Animated GIF bytes of the snapshots (F,k,1,K,K); kwargs as `iter_evolution_frames`
    (progress counts frames drawn; Pillow writes the file after the last one)."""
    frames = []
    for levels in iter_evolution_frames(weights_frames, **kwargs):
        img = Image.frombytes("P", levels.shape[::-1], levels.tobytes())
        img.putpalette(_PALETTE_BYTES)
        frames.append(img)
    buf = io.BytesIO()
    duration = max(20, int(round(1000.0 / max(fps, 0.1))))
    frames[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=duration,
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buf.getvalue()


def colourbar(
    vmax: float, *, width: int = 256, height: int = 14, labels: bool = True, font_size: int = 16
) -> np.ndarray:
    """uint8 (h, width, 3) horizontal legend of the diverging scale from -vmax to +vmax.

    The labels are large (16 px on a 256 px bar, so still ~11 px where a page shows the bar at
    two thirds of its size) and kept clear of the ends, which pages draw with rounded corners."""
    ramp = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    levels = np.broadcast_to(_levels(ramp, 1.0), (height, width)).copy()
    if labels:
        inset = max(4, width // 40)
        strip = Image.new("P", (width, font_size + 8), CAPTION_BG_INDEX)
        draw = ImageDraw.Draw(strip)
        font = _font(font_size)
        for text, x, anchor in (
            (f"-{vmax:.3g}", inset, "la"),
            ("0", width // 2, "ma"),
            (f"+{vmax:.3g}", width - 1 - inset, "ra"),
        ):
            try:
                draw.text((x, 3), text, fill=TEXT_INDEX, font=font, anchor=anchor)
            except ValueError:  # bitmap fonts do not support anchors
                draw.text((max(0, x - 8 * (anchor != "la")), 1), text, fill=TEXT_INDEX, font=font)
        levels = np.vstack([levels, np.asarray(strip, dtype=np.uint8)])
    return PALETTE[levels]


def colourbar_png(vmax: float, **kwargs) -> bytes:
    """PNG bytes of `colourbar(vmax, **kwargs)`."""
    return _png(Image.fromarray(colourbar(vmax, **kwargs)))


def image_png(array: np.ndarray, *, upscale: int = 1) -> bytes:
    """PNG bytes of a grey (H, W) or RGB (H, W, 3) image: uint8 as is, bool/float [0, 1] scaled."""
    a = np.asarray(array.detach().cpu() if hasattr(array, "detach") else array)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in (3, 4)):
        raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {a.shape}")
    return _png(Image.fromarray(upscale_image(a if a.dtype == np.uint8 else grey_u8(a), upscale)))


# -- pictures of network inputs, heat maps and screenshots, for the pages ------------------------
BOX_RGB = (255, 64, 64)


def overlay(image, heat: np.ndarray, *, alpha: float = 0.7) -> np.ndarray:
    """uint8 (H, W, 3): the image in grey with `heat` (H, W) in [0, 1] blended on top (inferno)."""
    img = np.asarray(image.detach().cpu() if hasattr(image, "detach") else image, np.float32)
    if img.ndim == 3:
        img = img.mean(axis=-1)
    if img.max(initial=0) > 1.0:
        img = img / 255.0
    heat = np.clip(np.nan_to_num(np.asarray(heat, dtype=np.float32)), 0.0, 1.0)
    if heat.shape != img.shape:
        raise ValueError(f"heat {heat.shape} and image {img.shape} differ in shape")
    base = (0.55 * img)[..., None] * 255.0  # dim the trace so the heat colours stay readable
    colour = _HEAT_LUT[np.rint(heat * 255).astype(np.uint8)]
    a = (alpha * heat)[..., None]
    return np.rint(base * (1 - a) + colour * a).clip(0, 255).astype(np.uint8)


def grey_u8(image) -> np.ndarray:
    """uint8 (..., H, W) of a {0, 1}, bool or float [0, 1] image (NaN as 0) for display."""
    a = np.nan_to_num(np.asarray(image, dtype=np.float32))
    return np.rint(np.clip(a, 0.0, 1.0) * 255).astype(np.uint8)


def grey_rgb(image) -> np.ndarray:
    """uint8 (H, W, 3) of a {0, 1} image: white trace on black."""
    return np.repeat(grey_u8(image)[..., None], 3, axis=2)


def upscale_image(image: np.ndarray, factor: int) -> np.ndarray:
    """(H * f, W * f, ...) nearest-neighbour copy, so single pixels stay crisp squares."""
    return image.repeat(factor, axis=0).repeat(factor, axis=1) if factor > 1 else image


def heat_picture(image: np.ndarray, heat_map: np.ndarray, factor: int = 3) -> np.ndarray:
    """uint8 RGB of a network input (H, W) with its heat map (H, W) blended on top, upscaled."""
    return upscale_image(overlay(image, heat_map), factor)


def thumbnail(image: np.ndarray, heat_map: np.ndarray | None, factor: int = 2) -> np.ndarray:
    """uint8 RGB: the network input (H, W), and beside it its heat overlay when there is one."""
    left = grey_rgb(image)
    if heat_map is None:
        return upscale_image(left, factor)
    gap = np.full((left.shape[0], 3, 3), 60, np.uint8)
    return upscale_image(np.concatenate([left, gap, overlay(image, heat_map)], axis=1), factor)


def fit(img: np.ndarray, most: int) -> tuple[np.ndarray, float]:
    """(uint8 (H, W, 3) shrunk, area-averaged, to at most `most` px on its longer side, the
    scale applied); the image itself and 1.0 where it is small enough."""
    h, w = img.shape[:2]
    s = min(1.0, most / max(h, w))
    if s >= 1:
        return img, 1.0
    size = (max(1, round(w * s)), max(1, round(h * s)))
    return np.asarray(Image.fromarray(img).resize(size, Image.Resampling.BOX)), s


def with_box(img: np.ndarray, box: tuple[int, int, int, int], rgb=BOX_RGB) -> np.ndarray:
    """uint8 (H, W, 3) copy of img with the box (x0, y0, x1, y1), x1/y1 exclusive, outlined."""
    im = Image.fromarray(img)
    x0, y0, x1, y1 = box
    width = max(2, round(max(im.size) / 300))
    ImageDraw.Draw(im).rectangle([x0, y0, x1 - 1, y1 - 1], outline=rgb, width=width)
    return np.asarray(im)


def input_with_patch(image: np.ndarray, patch: tuple[int, int, int, int], factor: int = 3):
    """uint8 RGB of a network input (H, W) upscaled, with the patch (row, col, kh, kw) outlined."""
    row, col, kh, kw = patch
    box = (col * factor, row * factor, (col + kw) * factor, (row + kh) * factor)
    return with_box(upscale_image(grey_rgb(image), factor), box)


def mark_point(rgb: np.ndarray, row: int, col: int, factor: int) -> np.ndarray:
    """uint8 RGB (an image upscaled by `factor`) with a small box around pixel (row, col)."""
    pad = max(3, factor)
    x, y = col * factor, row * factor
    return with_box(rgb, (x - pad, y - pad, x + factor + pad, y + factor + pad), rgb=(20, 20, 20))


def swatches(colours: list[tuple[int, int, int]], *, side: int = 28, gap: int = 6) -> np.ndarray:
    """uint8 image of colour squares in a row, for telling candidate traces apart."""
    n = max(1, len(colours))
    out = np.full((side, n * side + (n - 1) * gap, 3), 14, np.uint8)
    for i, c in enumerate(colours):
        out[:, i * (side + gap) : i * (side + gap) + side] = c
    return out
