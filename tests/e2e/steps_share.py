"""Walks for drawing a waveform, loading a scope's CSV and downloading the evolution MP4 or a
whole run, shared by the browser tests and the screenshots (as tests/e2e/steps.py)."""

from __future__ import annotations

import math
import re
from pathlib import Path

from playwright.sync_api import Page, expect

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
    wait_idle,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "scopecsv"
ANSWER = re.compile(r"The network says: (\w+) \((\d+)%\)")


def _answer(page: Page, was: str | None = None) -> str:
    """The class the page names, once it names one (other than `was`)."""
    answer = page.get_by_text(ANSWER)
    expect(answer).to_be_visible(timeout=TIMEOUT_MS)
    if was:
        expect(answer).not_to_contain_text(f": {was} ", timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    return ANSWER.search(answer.inner_text()).group(1)


def _segment(page: Page, text: str | re.Pattern):
    """The option(s) of segmented controls showing `text`."""
    return page.locator('[data-testid="stButtonGroup"] button').filter(has_text=text)


def draw(page: Page, base_url: str, shape: str, shot: Shot = _no_shot) -> str:
    """Draw `shape` ("sine" or "pulse") on the Draw page with the mouse; returns the answer."""
    open_page(page, base_url, "Draw", "Draw a waveform")
    choose(page, "Network (run)", "[example]")
    canvas = page.locator("canvas").last
    expect(canvas).to_be_visible(timeout=TIMEOUT_MS)
    box = canvas.bounding_box()
    left, width, mid = box["x"] + 30, box["width"] - 60, box["y"] + box["height"] / 2
    amp = box["height"] * 0.35

    def y(f: float) -> float:
        if shape == "sine":
            return mid - amp * math.sin(2 * math.pi * 2 * f)
        return mid + amp if not 0.4 < f < 0.6 else mid - amp  # a square pulse

    def stroke() -> None:
        page.mouse.move(left, y(0))
        page.mouse.down()
        for i in range(1, 81):
            page.mouse.move(left + width * i / 80, y(i / 80), steps=2)
        page.mouse.up()

    rerun(page, stroke)
    cls = _answer(page)
    expect(page.get_by_text("What each first-layer kernel responds to")).to_be_visible()
    shot(f"draw-{shape}")
    return cls


def scope_csv(page: Page, base_url: str, name: str, shot: Shot = _no_shot) -> dict[str, str]:
    """Upload a scope CSV fixture on the Draw page; returns {channel: answer} for each channel."""
    open_page(page, base_url, "Draw", "Draw a waveform")
    choose(page, "Network (run)", "[example]")
    uploader = page.locator(UPLOAD_INPUT)

    def csv_mode() -> bool:  # a click that lands while the page reruns is lost: click again
        if not uploader.count():
            _segment(page, "A scope's CSV").click()
            page.wait_for_timeout(500)
        return uploader.count() > 0

    poll(page, csv_mode, "the CSV uploader")
    wait_idle(page)
    data = (FIXTURES / name).read_bytes()
    page.locator(UPLOAD_INPUT).set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )
    answers: dict[str, str] = {}
    answers["CH1"] = _answer(page)
    shot("draw-csv")
    channels = _segment(page, re.compile(r"^CH\d$"))
    for i in range(1, channels.count()):
        name_i = channels.nth(i).inner_text().strip()
        rerun(page, channels.nth(i).click)
        answers[name_i] = _answer(page, was=answers["CH1"])
    return answers


def kernels_mp4(page: Page, base_url: str, shot: Shot = _no_shot) -> bytes:
    """Make the evolution MP4 of the example run on Kernels and download it; returns its bytes."""
    open_page(page, base_url, "Kernels", "Kernels through training")
    choose(page, "Run", "[example]")
    page.get_by_text("Export: animated GIF or MP4").click()
    make = page.get_by_role("button", name="Make an MP4 video of the whole run")
    expect(make).to_be_visible(timeout=TIMEOUT_MS)
    rerun(page, make.click)
    button = page.get_by_role("button", name="Download the MP4")
    expect(button).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stVideo"]')).to_be_visible()
    shot("kernels-mp4")
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    no_exception(page)
    return Path(info.value.path()).read_bytes()
