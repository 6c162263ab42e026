"""The kernels' evolution as MP4: decodable H.264, one frame per snapshot, step/epoch/loss drawn."""

import io

import av
import numpy as np
import pytest

from core.errors import LabError
from core.render import PALETTE, evolution_frames, frame_caption
from core.video import evolution_mp4, loss_at_steps


def snapshots(n: int = 6, k: int = 3, size: int = 5) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, k, 1, size, size)).astype(np.float32)


def test_mp4_is_h264_with_one_frame_per_snapshot_and_the_kernels_in_colour():
    w = snapshots()
    steps, epochs = np.arange(6) * 10, np.arange(6) / 2
    data = evolution_mp4(w, fps=5, steps=steps, epochs=epochs, losses=np.linspace(1, 0.1, 6))
    with av.open(io.BytesIO(data)) as c:
        stream = c.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == 6
    expected = PALETTE[evolution_frames(w, steps=steps, epochs=epochs)[-1]]
    h, wd = expected.shape[:2]
    got = frames[-1][:h, :wd].astype(int)
    assert frames[-1].shape[0] % 2 == 0 and frames[-1].shape[1] % 2 == 0
    assert np.abs(got - expected).mean() < 12  # lossy, but the same picture


def test_mp4_reports_each_frame_encoded_and_the_bytes_do_not_change():
    w = snapshots(n=60)  # more than the encoder holds back, so frames come out before the end
    calls = []
    data = evolution_mp4(w, fps=5, max_frames=50, progress=lambda *a: calls.append(a))
    assert calls == [(n, 50) for n in range(1, 51)]
    assert data == evolution_mp4(w, fps=5, max_frames=50)


def test_each_frame_says_step_epoch_and_loss():
    assert frame_caption(
        2, 5, [0, 10, 20, 30, 40], [0, 0, 1, 1, 2], [1.0, 0.5, 0.25, 0.1, 0.05]
    ) == ("snapshot 2/4  step 20  epoch 1  loss 0.25")
    assert frame_caption(0, 2, [0, 9], None, [np.nan, 1.0]) == "snapshot 0/1  step 0"


def test_loss_at_a_snapshot_is_the_last_measured_at_or_before_it():
    metrics = [{"step": 5, "loss": 1.0}, {"step": 10, "loss": 0.5}, {"step": 15, "loss": None}]
    got = loss_at_steps(metrics, np.array([0, 5, 7, 10, 20]))
    assert np.isnan(got[0]) and list(got[1:]) == [1.0, 1.0, 0.5, 0.5]


def test_no_snapshots_is_a_sentence():
    with pytest.raises(LabError, match="no kernel snapshots"):
        evolution_mp4(np.zeros((0, 2, 1, 3, 3), np.float32))
