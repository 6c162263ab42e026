"""In a real browser: drawing with the mouse, a scope's CSV upload, and the evolution MP4."""

from __future__ import annotations

import importlib.util
import io

import pytest

from tests.e2e.harness import IN_CI, PLAYWRIGHT_HINT

if importlib.util.find_spec("playwright") is None and not IN_CI:
    pytest.skip(PLAYWRIGHT_HINT, allow_module_level=True)

from tests.e2e import steps_share  # noqa: E402  (imports Playwright)

pytestmark = pytest.mark.e2e


def test_drawing_a_sine_and_a_pulse_with_the_mouse_is_answered(page, base_url, shot):
    assert steps_share.draw(page, base_url, "sine", shot) == "sine"
    assert steps_share.draw(page, base_url, "pulse", shot) == "square"


def test_a_scope_csv_upload_is_classified_per_channel(page, base_url, shot):
    got = steps_share.scope_csv(page, base_url, "rigol-ds1054z-square-sine.csv", shot)
    assert got == {"CH1": "square", "CH2": "sine"}


def test_the_evolution_mp4_downloads_and_plays(page, base_url, shot):
    import av

    data = steps_share.kernels_mp4(page, base_url, shot)
    assert data[4:8] == b"ftyp"
    with av.open(io.BytesIO(data)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in c.decode(video=0)) > 10
