import io

import numpy as np
import pytest
from PIL import Image

from core import render
from core.errors import LabError


def _snapshots(n_frames=6, k=5, size=25, seed=0):
    rng = np.random.default_rng(seed)
    steps = rng.normal(0, 0.01, (n_frames, k, 1, size, size)).astype(np.float32)
    return np.cumsum(steps, axis=0)  # (F, k, 1, K, K), frame 0 = "initial"


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _colours(values, vmax: float) -> np.ndarray:
    """uint8 (n, 3): the montage colour of each value, one 1x1 kernel per value."""
    kernels = np.asarray(values, np.float32).reshape(-1, 1, 1)
    return render.kernel_montage(kernels, view_vmax=vmax, upscale=1, gap=0)[0]


def test_scale_zero_is_neutral_and_signs_are_red_and_blue():
    neg, zero, pos, half = _colours([-1.0, 0.0, 1.0, 0.5], vmax=1.0).astype(int)
    assert zero.min() > 230 and zero.max() - zero.min() < 10  # near-white grey
    assert pos[0] > pos[2] + 60  # red
    assert neg[2] > neg[0] + 60  # blue
    assert half.sum() > pos.sum()  # smaller values are paler


def test_scale_is_symmetric_and_safe_for_zero_vmax_and_nan():
    neg, pos = _colours([-0.3, 0.3], 0.6)
    i_pos = int(np.flatnonzero((render.LUT == pos).all(axis=1))[0])
    assert (neg == render.LUT[render.N_LEVELS - 1 - i_pos]).all()  # mirrored levels
    flat = _colours(np.zeros(4), 0.0)
    assert (flat == _colours([0.0], 1.0)).all()
    assert (_colours([np.nan], 1.0) == flat[0]).all()


def test_montage_shape_blocks_and_colours():
    w = np.zeros((5, 1, 25, 25), np.float32)
    w[2, 0, 3, 4] = 1.0
    w[4, 0, 0, 0] = -1.0
    m = render.kernel_montage(w, upscale=8, gap=4)
    assert m.shape == (200, 5 * 200 + 4 * 4, 3) and m.dtype == np.uint8
    neutral = _colours([0.0], 1.0)[0]
    assert (m[0:8, 0:8] == neutral).all()  # a zero weight is neutral
    x0 = 2 * (200 + 4) + 4 * 8
    block = m[3 * 8 : 4 * 8, x0 : x0 + 8]
    assert (block == block[0, 0]).all()  # crisp nearest-neighbour block
    r, g, b = block[0, 0].astype(int)
    assert r > b + 50 and r > g + 50  # red
    x4 = 4 * (200 + 4)
    r, g, b = m[0, x4].astype(int)
    assert b > r + 50 and b > g + 20  # blue
    assert (m[:, 200:204] == render.GAP_RGB).all()  # the gap between kernels


def test_montage_accepts_three_dims_grid_and_caption():
    w = _snapshots()[-1][:, 0]  # (k, K, K)
    assert render.kernel_montage(w, upscale=2, gap=1, ncols=3).shape == (2 * 50 + 1, 3 * 50 + 2, 3)
    assert render.kernel_montage(w[0], upscale=1).shape == (25, 25, 3)
    assert render.kernel_montage(w, upscale=1, caption="step 5").shape[0] == 25 + 16


def test_shared_and_per_kernel_scales():
    w = np.zeros((2, 1, 3, 3), np.float32)
    w[0, 0, 1, 1], w[1, 0, 1, 1] = 1.0, 0.1
    shared = render.kernel_montage(w, scale="shared", upscale=1, gap=0)
    per = render.kernel_montage(w, scale="per_kernel", upscale=1, gap=0)
    assert (shared[1, 1] == per[1, 1]).all()  # the largest kernel looks the same
    assert shared[1, 4, 1] > per[1, 4, 1] + 50  # a small kernel is faint on a shared scale
    assert (per[1, 4] == per[1, 1]).all()  # and saturated on its own
    assert np.allclose(render.kernel_vmax(w, "shared"), [1.0, 1.0])
    assert np.allclose(render.kernel_vmax(w, "per_kernel"), [1.0, 0.1])
    fixed = render.kernel_montage(w, view_vmax=10.0, upscale=1, gap=0)
    assert fixed[1, 1, 1] > shared[1, 1, 1]  # a wider fixed scale is paler


def test_kernel_views():
    wf = _snapshots(n_frames=4)
    assert np.allclose(render.kernel_view(wf, 2), wf[2, :, 0])
    assert np.allclose(render.kernel_view(wf, 0, "change_init"), 0)
    assert np.allclose(render.kernel_view(wf, 3, "change_init"), wf[3, :, 0] - wf[0, :, 0])
    assert np.allclose(render.kernel_view(wf, 3, "change_prev"), wf[3, :, 0] - wf[2, :, 0])
    assert np.allclose(render.kernel_view(wf, 0, "change_prev"), 0)
    assert np.allclose(render.kernel_view(wf, -1), wf[3, :, 0])
    with pytest.raises(LabError):
        render.kernel_view(wf, 4)
    with pytest.raises(ValueError):
        render.kernel_view(wf, 0, "gradient")


def test_sample_frames_keeps_ends():
    assert list(render.sample_frames(5, 150)) == [0, 1, 2, 3, 4]
    idx = render.sample_frames(1000, 150)
    assert len(idx) <= 150 and idx[0] == 0 and idx[-1] == 999 and (np.diff(idx) > 0).all()


def test_evolution_gif_uses_one_scale_for_all_frames():
    wf = _snapshots(n_frames=12)
    data = render.evolution_gif(wf, fps=5, max_frames=10, upscale=2, caption=False)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF" and gif.n_frames == 10
    assert gif.info["duration"] == 200
    vmax = float(np.abs(wf).max())
    for n, frame in ((0, 0), (9, 11)):
        gif.seek(n)
        got = np.asarray(gif.convert("RGB"))
        want = render.kernel_montage(wf[frame], view_vmax=vmax, upscale=2)
        assert np.array_equal(got, want)


def test_evolution_gif_views_captions_and_empty():
    wf = _snapshots(n_frames=5)
    steps, epochs = np.arange(5) * 10, np.arange(5) // 2
    for view in render.VIEWS:
        data = render.evolution_gif(wf, view=view, scale="per_kernel", steps=steps, epochs=epochs)
        assert Image.open(io.BytesIO(data)).n_frames == 5
    with pytest.raises(LabError):
        render.evolution_gif(np.zeros((0, 5, 1, 25, 25), np.float32))


def test_evolution_gif_reports_each_frame_and_the_bytes_do_not_change():
    wf = _snapshots(n_frames=12)
    calls = []
    data = render.evolution_gif(wf, max_frames=10, progress=lambda *a: calls.append(a))
    assert calls == [(n, 10) for n in range(1, 11)]
    assert data == render.evolution_gif(wf, max_frames=10)


def test_evolution_frames_are_drawn_as_they_are_asked_for():
    calls = []
    frames = render.iter_evolution_frames(
        _snapshots(n_frames=3), progress=lambda *a: calls.append(a)
    )
    next(frames)
    assert calls == []  # the first frame is not done until the caller asks for the second
    next(frames)
    assert calls == [(1, 3)]
    assert len(list(frames)) == 1 and calls == [(1, 3), (2, 3), (3, 3)]


def test_pngs_decode_to_what_was_drawn():
    w = _snapshots()[-1]
    assert np.array_equal(
        _decode(render.montage_png(w, upscale=3)), render.kernel_montage(w, upscale=3)
    )
    bar = _decode(render.colourbar_png(0.25, width=200))
    assert bar.shape[1] == 200 and (bar[0, 0, 2] > bar[0, 0, 0]) and (bar[0, -1, 0] > bar[0, -1, 2])
    grey = np.zeros((10, 20), np.float32)
    grey[2, 3] = 1.0
    img = _decode(render.image_png(grey, upscale=2))
    assert img.shape == (20, 40, 3) and img[4, 6, 0] == 255 and img[0, 0, 0] == 0
    assert _decode(render.image_png(grey.astype(bool))).shape == (10, 20, 3)
    rgb = np.full((4, 5, 3), 7, np.uint8)
    assert (_decode(render.image_png(rgb)) == 7).all()
    with pytest.raises(ValueError):
        render.image_png(np.zeros((2, 3, 4, 5)))


# -- pictures of network inputs and heat maps ----------------------------------------------------
def _trace_image(size: int = 40) -> np.ndarray:
    img = np.zeros((size, size), np.float32)
    img[20, :] = 1.0
    img[5:20, 10] = 1.0
    return img


def test_overlay_blends_heat_on_the_dimmed_image():
    img = _trace_image()
    heat = np.zeros_like(img)
    heat[0, 0] = 1.0
    out = render.overlay(img, heat)
    assert out.shape == (40, 40, 3) and out.dtype == np.uint8
    assert (out[20, 5] == out[20, 5, 0]).all() and 100 < out[20, 5, 0] < 200  # grey trace
    assert (out[30, 30] == 0).all()  # black background, no heat
    assert out[0, 0, 0] > out[0, 0, 2]  # hot colour
    assert render.overlay((img * 255).astype(np.uint8), heat)[20, 5, 0] == out[20, 5, 0]
    with pytest.raises(ValueError):
        render.overlay(img, heat[:10])


def test_thumbnail_puts_the_heat_overlay_beside_the_input():
    img = _trace_image()
    plain = render.thumbnail(img, None, factor=2)
    assert plain.shape == (80, 80, 3) and (plain[40, 0] == 255).all() and (plain[0, 0] == 0).all()
    both = render.thumbnail(img, np.ones_like(img), factor=2)
    assert both.shape == (80, 2 * (40 + 3 + 40), 3)
    assert (both[:, 80:86] == 60).all()  # the gap
    assert np.array_equal(both[:, 86:], render.heat_picture(img, np.ones_like(img), 2))


def test_patch_box_and_point_marks_land_on_the_upscaled_pixels():
    img = _trace_image()
    boxed = render.input_with_patch(img, (2, 4, 5, 6), factor=3)  # rows 2..6, columns 4..9
    assert boxed.shape == (120, 120, 3)
    assert tuple(boxed[6, 12]) == render.BOX_RGB and tuple(boxed[6 + 14, 12 + 17]) == render.BOX_RGB
    assert (boxed[90, 90] == 0).all()  # outside the box, the black background
    marked = render.mark_point(render.grey_rgb(img).repeat(3, 0).repeat(3, 1), 30, 30, 3)
    assert (marked[90 - 3, 90 - 3] == 20).all()  # the mark's corner, dark on the image


def test_swatches_and_grid_rule():
    sw = render.swatches([(255, 0, 0), (0, 0, 255)], side=10, gap=2)
    assert sw.shape == (10, 22, 3) and tuple(sw[5, 0]) == (255, 0, 0)
    assert tuple(sw[5, 12]) == (0, 0, 255) and tuple(sw[5, 10]) == (14, 14, 14)
    assert render.montage_grid(3, 25, 420) == (3, 5)  # a few kernels: one row
    assert render.montage_grid(5, 25, 420) == (3, 5)  # then two rows
    assert render.montage_grid(32, 25, 420) == (6, 2)  # at most six a row
    assert render.montage_grid(8, 64, 100) == (4, 1)  # never below 1x


def _box_rows_cols(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns holding the box colour."""
    red = np.all(img == np.array(render.BOX_RGB, np.uint8), axis=2)
    return np.flatnonzero(red.any(1)), np.flatnonzero(red.any(0))


def test_with_box_outlines_the_box_where_it_is():
    img = np.zeros((200, 300, 3), np.uint8)
    out = render.with_box(img, (50, 40, 250, 160))
    rows, cols = _box_rows_cols(out)
    assert out.shape == img.shape and not np.shares_memory(out, img)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (40, 159, 50, 249)


def test_fit_shrinks_only_a_large_picture():
    img = np.zeros((2000, 3000, 3), np.uint8)
    small, s = render.fit(img, 1024)
    assert small.shape == (683, 1024, 3) and s == pytest.approx(1024 / 3000)
    little = np.zeros((300, 400, 3), np.uint8)
    same, s = render.fit(little, 1024)
    assert same is little and s == 1.0


def test_the_scope_stage_outlines_a_large_pictures_box_where_it_is():
    """A phone photo's box is in its own pixels; the picture sent to the page is smaller and the
    outline must land on the same place in it."""
    from ui.scope import outlined

    img = np.zeros((2000, 3000, 3), np.uint8)
    out = outlined("big-photo", img, (1500, 1000, 2400, 1800))
    assert out.shape == (683, 1024, 3)
    rows, cols = _box_rows_cols(out)
    s = 1024 / 3000
    assert abs(cols.min() - 1500 * s) <= 1 and abs(cols.max() - 2400 * s) <= 2
    assert abs(rows.min() - 1000 * s) <= 1 and abs(rows.max() - 1800 * s) <= 2
