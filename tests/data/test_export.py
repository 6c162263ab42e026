"""Generated datasets for users: the zip download, preview rows and the class counts."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from core.config import from_dict
from core.data.export import (
    MAX_DOWNLOAD_IMAGES,
    dataset_balance,
    dataset_zip,
    png_bytes,
    preview_rows,
)
from core.data.waveforms import WaveformSpec, class_balance, render_batch
from core.errors import LabError

SPEC = WaveformSpec(size=48)


def test_png_is_one_bit_and_round_trips():
    images, _ = render_batch(SPEC, 2, seed=3)
    for img in images:
        back = Image.open(io.BytesIO(png_bytes(img)))
        assert back.mode == "1" and back.size == (48, 48)
        np.testing.assert_array_equal(np.asarray(back, dtype=np.uint8), img)
    big = np.asarray(Image.open(io.BytesIO(png_bytes(images[0], upscale=3))), dtype=np.uint8)
    np.testing.assert_array_equal(big[::3, ::3], images[0])


def test_zip_holds_the_images_their_labels_and_the_spec():
    data = dataset_zip(SPEC, 7, seed=5)
    images, labels = render_batch(SPEC, 7, seed=5)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("labels.csv").decode())))
        meta = json.loads(z.read("spec.json"))
        assert len(rows) == 7
        for i, row in enumerate(rows):
            assert int(row["label"]) == labels[i]
            assert row["file"].endswith(f"_{row['class']}.png")
            img = np.asarray(Image.open(io.BytesIO(z.read(row["file"]))), dtype=np.uint8)
            np.testing.assert_array_equal(img, images[i])
    assert meta["seed"] == 5 and meta["n"] == 7
    assert meta["classes"] == ["square", "gaussian", "sine"]
    assert from_dict(WaveformSpec, meta["waveforms"], "waveform") == SPEC


@pytest.mark.parametrize("n", [0, MAX_DOWNLOAD_IMAGES + 1, 2.5, True])
def test_zip_refuses_counts_out_of_range(n):
    with pytest.raises(LabError, match="images"):
        dataset_zip(SPEC, n, seed=0)


@pytest.mark.parametrize("sawtooth", [False, True])
@pytest.mark.parametrize("n", [1, 5, 600, 601])
def test_balance_matches_what_render_batch_draws(n, sawtooth):
    spec = WaveformSpec(size=24, include_sawtooth=sawtooth)
    assert dataset_balance(spec, n) == class_balance(render_batch(spec, n, seed=1)[1], spec)


def test_balance_of_nothing_and_of_a_negative_count():
    assert dataset_balance(SPEC, 0) == {"square": 0, "gaussian": 0, "sine": 0}
    with pytest.raises(LabError):
        dataset_balance(SPEC, -1)


def test_preview_rows_one_strip_per_class_that_changes_with_the_seed():
    spec = WaveformSpec(size=48, include_sawtooth=True)
    rows = preview_rows(spec, per_class=3, seed=0, upscale=2, gap=6)
    assert list(rows) == ["square", "gaussian", "sine", "sawtooth"]
    strip = Image.open(io.BytesIO(rows["sine"]))
    assert strip.size == (3 * 96 + 2 * 6, 96)
    assert preview_rows(spec, 3, seed=0) == preview_rows(spec, 3, seed=0)
    assert preview_rows(spec, 3, seed=1)["sine"] != rows["sine"]
