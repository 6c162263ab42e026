"""In the browser: the Scope page's widgets keep their values across a rejected upload (issue:
"convolution", a corrupt PNG, then a good capture left the sliding rule and heat map with nothing
selected, the next click crashed, and the kernel picker disagreed with the picture)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e import steps


def _selected(page, label: str) -> list[str]:
    group = page.get_by_role("radiogroup", name=label, exact=True)
    return [b.inner_text() for b in group.locator('[aria-checked="true"]').all()]


def test_widgets_survive_a_rejected_upload(page, base_url, shot):
    steps.scope_upload(page, base_url, steps.scope_png(), steps.SCOPE_PNG_NAME)
    steps.rerun(page, lambda: page.get_by_role("radio", name="convolution").click())
    steps.choose(page, "Kernel", "kernel 3")
    steps.scope_uploader(page).set_input_files(
        files=[{"name": "bad.png", "mimeType": "image/png", "buffer": steps.CORRUPT_PNG}]
    )
    expect(page.locator(steps.ERROR).first).to_be_visible(timeout=steps.TIMEOUT_MS)
    steps.wait_idle(page)
    steps.scope_uploader(page).set_input_files(
        files=[{"name": "good.png", "mimeType": "image/png", "buffer": steps.scope_png()}]
    )
    heading = page.get_by_role("heading", name="From screenshot to network input: good.png")
    expect(heading).to_be_visible(timeout=steps.TIMEOUT_MS)
    steps.wait_idle(page)
    steps.no_exception(page)
    shot("scope-after-rejected-upload")
    assert _selected(page, "Sliding rule") == ["convolution"]
    assert _selected(page, "Heat map") != []
    box = page.get_by_role("combobox", name="Kernel", exact=True)
    expect(box).to_have_value(re.compile("kernel 3"))
    caption = page.locator('[data-testid="stImageCaption"]').filter(has_text=re.compile(r"^kernel"))
    expect(caption.first).to_contain_text("kernel 3")
    steps.rerun(page, lambda: page.get_by_role("radio", name="correlation").click())
    steps.no_exception(page)  # the next click used to crash: mode None
    assert _selected(page, "Sliding rule") == ["correlation"]
    expect(box).to_have_value(re.compile("kernel 3"))
    expect(caption.first).to_contain_text("kernel 3")
