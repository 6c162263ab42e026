"""The kernels' evolution as an MP4 video (H.264, as the study published its own), one frame per
snapshot with its step, epoch and loss written under the kernels.

Encoded in memory with PyAV (`av`, pinned in requirements.txt), whose wheels bring their own
FFmpeg: nothing to install on the system.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence

import numpy as np

from core.render import MAX_FRAMES, PALETTE, Progress, iter_evolution_frames, sample_frames

MIN_SIDE = 64  # players refuse H.264 frames smaller than this


def loss_at_steps(metrics: Sequence[dict], steps: np.ndarray) -> np.ndarray:
    """float64 (F,): the training loss last measured at or before each snapshot step (NaN before
    the first measurement)."""
    rows = [
        (int(r["step"]), float(r["loss"]))
        for r in metrics
        if r.get("step") is not None and isinstance(r.get("loss"), int | float)
    ]
    rows.sort()
    out = np.full(len(steps), np.nan)
    if not rows:
        return out
    at = np.array([s for s, _ in rows])
    loss = np.array([v for _, v in rows])
    i = np.searchsorted(at, np.asarray(steps), side="right") - 1
    out[i >= 0] = loss[i[i >= 0]]
    return out


def _even_rgb(levels: np.ndarray) -> np.ndarray:
    """RGB uint8 (H', W', 3) of palette indices, padded to even sides of at least MIN_SIDE (the
    yuv420p pixel format halves the colour resolution, so H.264 needs even sides)."""
    rgb = PALETTE[levels]
    h, w = rgb.shape[:2]
    H, W = max(MIN_SIDE, h + h % 2), max(MIN_SIDE, w + w % 2)
    out = np.full((H, W, 3), 255, np.uint8)
    out[:h, :w] = rgb
    return out


def evolution_mp4(
    weights_frames: np.ndarray, *, fps: float = 10.0, progress: Progress | None = None, **kwargs
) -> bytes:
    """MP4 (H.264) bytes of the snapshots (F,k,1,K,K); kwargs as
    `core.render.iter_evolution_frames` (pass steps, epochs and losses to have them written on
    each frame). progress(done, total) is called as each frame comes out of the encoder."""
    import av

    # Drawn one at a time as the encoder takes them: a long run's frames never all sit in memory.
    frames = (_even_rgb(f) for f in iter_evolution_frames(weights_frames, **kwargs))
    first = next(frames)
    total = len(sample_frames(len(weights_frames), kwargs.get("max_frames", MAX_FRAMES)))
    done = 0
    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:

        def mux(packets) -> None:
            # x264 holds ~40 frames back to plan its bit rate, so frames handed in are not frames
            # done: count what comes out (one packet a frame), the flush at the end included.
            nonlocal done
            for packet in packets:
                container.mux(packet)
                done += 1
                if progress is not None:
                    progress(min(done, total), total)

        stream = container.add_stream("libx264", rate=max(1, int(round(fps))))
        stream.height, stream.width = first.shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18"}  # sharp kernels: the colours are the content
        for rgb in itertools.chain([first], frames):
            mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        mux(stream.encode_lazy())  # the held-back frames, each counted as it comes out
    return buf.getvalue()
