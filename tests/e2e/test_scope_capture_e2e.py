"""Browser: a phone photo on the Scope page, its trace chosen by a click and its plot area by a
drag; several captures classified at once into a table."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import steps, steps_capture
from tests.e2e.harness import save_screenshot

pytestmark = pytest.mark.e2e


def test_photo_click_on_the_trace_then_drag_a_crop(page, base_url, shot):
    seen = steps_capture.scope_photo_click(page, base_url, shot)
    r, g, b = (int(c, 16) for c in re.search(r"#(..)(..)(..)", seen.click_caption).groups())
    assert b > 2 * r and g > 2 * r  # the click chose the cyan sine, not the yellow square
    # Read in the plot area the automatic reading found (the click lies in it), the cyan trace
    # is the sine; looking for a plot area again in the whole photo found none and read a scrap.
    assert seen.clicked_class == "sine" and 50 < seen.clicked_percent <= 100
    assert "your crop" in seen.crop_caption
    assert seen.dragged_class == "sine"


def test_several_captures_at_once_give_a_table(page, base_url, shot):
    files = [(steps.SCOPE_PNG_NAME, steps.scope_png()), ("notes.png", b"not a picture at all\n")]
    summary, said = steps_capture.scope_batch(page, base_url, files, shot, closer=files[0][0])
    assert summary == "2 files: 1 answered, 0 unsure, 1 refused."
    assert said.startswith("The network says: ")  # the chosen file, read through every stage
    # Folded away the table goes; unfolded again the same files give the same table, and the
    # file looked at closer is shown again.
    fold = page.get_by_text("Classify several captures at once", exact=True)
    steps.rerun(page, fold.click)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(0)
    closer = page.get_by_text(f"From screenshot to network input: {files[0][0]}", exact=True)
    expect(closer).to_have_count(0)
    steps.rerun(page, fold.click)
    expect(page.get_by_text(summary, exact=True)).to_be_visible(timeout=steps.TIMEOUT_MS)
    expect(closer).to_be_visible(timeout=steps.TIMEOUT_MS)
    steps.no_exception(page)
    steps.wait_idle(page)
    shot("scope-batch-unfolded")


@pytest.fixture
def camera_page(tmp_path, browser, app_server):
    """A page in a second Chromium whose fake camera films a scope screen."""
    from core.data.scope_samples import demo_screenshot
    from tests.e2e.harness import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

    video = tmp_path / "scope.y4m"
    screen = demo_screenshot(640, 480, (("square", "yellow"),))[0]
    video.write_bytes(steps_capture.y4m_video(screen))
    args = [
        *CHROMIUM_ARGS,
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    filming = browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args)
    try:
        context = filming.new_context(viewport=VIEWPORT, permissions=["camera"])
        context.set_default_timeout(30_000)
        yield context.new_page()
    finally:
        filming.close()


def test_a_photo_from_the_camera_is_read(camera_page, base_url):
    heading = steps_capture.scope_camera(
        camera_page, base_url, lambda name: save_screenshot(camera_page, name)
    )
    assert heading.endswith("camera photo")
