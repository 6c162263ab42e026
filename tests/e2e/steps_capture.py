"""Playwright walks for reading real captures on the Scope page: a phone photo whose trace is
chosen by a click and whose plot area is cropped by a drag, and several files at once.

Shared helpers come from `steps`; these walks live apart so the Scope steps there stay as they are.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from core.data.photo import photo_jpeg, screen_photo
from core.data.scope_samples import demo_screenshot
from tests.e2e.steps import (
    TIMEOUT_MS,
    UPLOAD_INPUT,
    Shot,
    _no_shot,
    choose,
    no_exception,
    open_page,
    poll,
    rerun,
    scope_uploader,
    scroll_to_top_of_view,
    wait_idle,
)

POINTER_FRAME = 'iframe[title*="streamlit_image_coordinates"]'
# "The network says: sine (97%)", or when unsure "... unsure, none of the shapes it knows
# (closest: sine, 60%)." or, where the line read is the reason, "... unsure (closest: sine, 60%)."
ANSWER = re.compile(
    r"^The network says: (?:unsure(?:, none of the shapes it knows)? \(closest: )?(\w+),? \(?(\d+)%"
)
PHOTO_NAME = "phone-photo.jpg"


def photo_capture() -> tuple[bytes, tuple[int, int], tuple[int, int, int, int]]:
    """(JPEG bytes of a 1600x1200 phone photo of a scope showing a cyan sine and a yellow square,
    a pixel (x, y) on the sine, a box (x0, y0, x1, y1) around the screen's plot area)."""
    screen, _ = demo_screenshot(800, 480, (("sine", "cyan"), ("square", "yellow")))
    photo = screen_photo(screen, width=1600, height=1200, seed=3)
    p = photo.astype(int)
    cyan = (p[..., 2] > 140) & (p[..., 1] > 140) & (p[..., 0] < 110)
    ys, xs = np.nonzero(cyan)
    i = int(np.argmin(np.abs(xs - (xs.min() + xs.max()) / 2)))  # half-way along the sine
    rows, cols = np.nonzero(cyan | (p[..., 0] > 140) & (p[..., 1] > 140) & (p[..., 2] < 110))
    box = (int(cols.min()) - 20, int(rows.min()) - 20, int(cols.max()) + 20, int(rows.max()) + 20)
    return photo_jpeg(photo), (int(xs[i]), int(ys[i])), box


@dataclass
class PhotoSeen:
    """What the Scope page showed after the click and after the drag."""

    click_caption: str  # "Trace chosen by your click at (x, y): colour #rrggbb."
    clicked_class: str
    clicked_percent: int
    crop_caption: str  # the first stage's caption after the drag
    dragged_class: str


def _picture(page: Page):
    """The clickable picture inside the component's frame, once it has loaded."""
    img = page.frame_locator(POINTER_FRAME).first.locator("#image")
    expect(img).to_be_visible(timeout=TIMEOUT_MS)
    poll(page, lambda: img.evaluate("e => e.complete && e.naturalWidth > 0"), "the picture")
    return img


def _answer(page: Page) -> tuple[str, int]:
    answer = page.get_by_text(ANSWER)
    expect(answer).to_be_visible(timeout=TIMEOUT_MS)
    cls, pct = ANSWER.search(answer.inner_text()).groups()
    return cls, int(pct)


def scope_photo_click(page: Page, base_url: str, shot: Shot = _no_shot) -> PhotoSeen:
    """Upload a phone photo, click on its sine, then drag a box around its plot area."""
    data, (x, y), box = photo_capture()
    width = Image.open(io.BytesIO(data)).size[0]
    open_page(page, base_url, "Scope", "Scope: what the network sees")
    choose(page, "Network (run)", "[example]")
    scope_uploader(page).set_input_files(
        files=[{"name": PHOTO_NAME, "mimeType": "image/jpeg", "buffer": data}]
    )
    heading = page.get_by_role("heading", name=f"From screenshot to network input: {PHOTO_NAME}")
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    img = _picture(page)
    img.scroll_into_view_if_needed()
    scale = img.bounding_box()["width"] / width
    rerun(page, lambda: img.click(position={"x": x * scale, "y": y * scale}))
    caption = page.get_by_text(re.compile(r"^Trace chosen by your click"))
    expect(caption).to_be_visible(timeout=TIMEOUT_MS)
    no_exception(page)
    scroll_to_top_of_view(page.get_by_text("Help it read the picture."))
    shot("scope-photo-picker")
    clicked_class, clicked_percent = _answer(page)
    scroll_to_top_of_view(heading)
    shot("scope-photo-clicked")

    img = _picture(page)
    img.scroll_into_view_if_needed()
    frame_box = img.bounding_box()
    scale = frame_box["width"] / width
    x0, y0, x1, y1 = (frame_box["x"] + box[0] * scale, frame_box["y"] + box[1] * scale,
                      frame_box["x"] + box[2] * scale, frame_box["y"] + box[3] * scale)  # fmt: skip

    def drag() -> None:
        page.mouse.move(x0, y0)
        page.mouse.down()
        page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=4)
        page.mouse.move(x1, y1, steps=4)
        page.mouse.up()

    rerun(page, drag)
    stage = page.locator('[data-testid="stImageCaption"]').filter(has_text="1 · your image").first
    expect(stage).to_contain_text("your crop", timeout=TIMEOUT_MS)
    no_exception(page)
    dragged_class, _ = _answer(page)
    scroll_to_top_of_view(heading)
    shot("scope-photo-cropped")
    return PhotoSeen(caption.inner_text(), clicked_class, clicked_percent, stage.inner_text(),
                     dragged_class)  # fmt: skip


def scope_batch(page: Page, base_url: str, files: list[tuple[str, bytes]], shot: Shot = _no_shot,
                closer: str | None = None):  # fmt: skip
    """Switch on 'several captures at once', upload files; returns the summary caption, and
    where `closer` names one of the files, the network's answer once it is looked at closer."""
    open_page(page, base_url, "Scope", "Scope: what the network sees")
    choose(page, "Network (run)", "[example]")
    toggle = page.get_by_text("Classify several captures at once", exact=True)
    rerun(page, toggle.click)
    uploader = page.locator('[data-testid="stFileUploader"]').filter(
        has_text="Upload several captures"
    )
    uploader.locator(UPLOAD_INPUT).set_input_files(
        files=[{"name": n, "mimeType": "image/png", "buffer": b} for n, b in files]
    )
    summary = page.get_by_text(re.compile(r"^\d+ files?: \d+ answered, \d+ unsure, \d+ refused\."))
    expect(summary).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    expect(page.locator('[data-testid="stDataFrame"]')).to_have_count(1)
    scroll_to_top_of_view(page.get_by_text("Classify several captures at once", exact=True))
    shot("scope-batch")
    if closer is None:
        return summary.inner_text()
    choose(page, "Look closer at one of them", closer)
    heading = page.get_by_text(f"From screenshot to network input: {closer}", exact=True)
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    said = page.get_by_text(re.compile(r"^The network says: "))
    expect(said).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    scroll_to_top_of_view(heading)
    shot("scope-batch-closer")
    return summary.inner_text(), said.inner_text()


def y4m_video(rgb: np.ndarray, frames: int = 2) -> bytes:
    """A Y4M video (what Chromium's fake camera plays) showing uint8 RGB (H, W, 3), even sides."""
    im = Image.fromarray(rgb).convert("YCbCr")
    w, h = im.size
    y, cb, cr = im.split()
    half = (w // 2, h // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    head = f"YUV4MPEG2 W{w} H{h} F30:1 Ip A1:1 C420jpeg\n".encode()
    return head + b"".join(b"FRAME\n" + planes for _ in range(frames))


def scope_camera(page: Page, base_url: str, shot: Shot = _no_shot) -> str:
    """Switch the camera on, take a photo; returns the heading the page gives the photo."""
    open_page(page, base_url, "Scope", "Scope: what the network sees")
    choose(page, "Network (run)", "[example]")
    toggle = page.get_by_text("Photograph the screen with this device's camera", exact=True)
    rerun(page, toggle.click)
    take = page.get_by_role("button", name="Take Photo")
    expect(take).to_be_enabled(timeout=TIMEOUT_MS)
    take.click()
    heading = page.get_by_role("heading", name="From screenshot to network input: camera photo")
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    scroll_to_top_of_view(page.get_by_text("Point the camera at the scope's screen"))
    shot("scope-camera")
    return heading.inner_text()
