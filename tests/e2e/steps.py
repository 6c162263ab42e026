"""What a person does on each page, as Playwright steps shared by the tests and the screenshots.

Each walk opens its page by URL (a fresh session when the page is fresh), acts through visible
labels and Streamlit's data-testid attributes, waits on conditions (never fixed sleeps, except to
show that something stays still), checks that no exception box shows after every step, calls
`shot(name)` once at its picture moment and returns what it saw for the tests to judge.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from core.data.scope_samples import CYAN, Sample, Trace, scope_screenshot

TIMEOUT_MS = 30_000  # generous: the machine may be a shared 2-core box also training a network
CLICK_MS = 3_000  # one click in a poll that retries it (a list redrawn under it is tried again)
Shot = Callable[[str], None]

EXCEPTION = '[data-testid="stException"]'
IMAGE = '[data-testid="stImage"] img'
CHART = '[data-testid="stVegaLiteChart"]'
UPLOAD_INPUT = '[data-testid="stFileUploaderDropzoneInput"]'
ERROR = '[data-testid="stAlertContentError"]'
SNAPSHOT_TEXT = re.compile(r"Snapshot (\d+) of (\d+)")
PLAYER = '[data-testid="stIFrame"]'  # the Kernels page's in-browser player (ui.player)
STEP_TEXT = re.compile(r"Step (\d+) of (\d+)")

# Counts script runs as they start, so `rerun` can wait for the one an action causes. Each
# change away from "notRunning" is one start: the observer hears of changes in batches, so a
# short run may be over (the state back at "notRunning") by the time it is told of it.
_WATCH_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (window.__labRunsWatched === app) return window.__labRuns;
  window.__labRunsWatched = app;
  window.__labRuns = 0;
  new MutationObserver((changes) => {
    for (const c of changes) if (c.oldValue === 'notRunning') window.__labRuns += 1;
  }).observe(app, {attributes: true, attributeOldValue: true,
                   attributeFilter: ['data-test-script-state']});
  return 0;
}"""
_RERUN_DONE = """(before) => window.__labRuns > before && document.querySelector(
  '[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning'"""


def _no_shot(name: str) -> None:
    pass


# -- general helpers -----------------------------------------------------------------------------
def no_exception(page: Page) -> None:
    """Fail when the page shows a Streamlit exception box (with its text in the message)."""
    boxes = page.locator(EXCEPTION)
    if boxes.count():
        raise AssertionError(f"The page shows an exception: {boxes.first.inner_text()[:500]}")


def wait_idle(page: Page) -> None:
    """Wait until no script runs and no element is left stale from an earlier run."""
    expect(
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    ).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=TIMEOUT_MS)


def rerun(page: Page, action: Callable[[], None]) -> None:
    """Do `action` (which must make the script run) and wait until that run has finished."""
    before = page.evaluate(_WATCH_RUNS)
    action()
    page.wait_for_function(_RERUN_DONE, arg=before, timeout=TIMEOUT_MS)
    wait_idle(page)


def poll(page: Page, ready: Callable[[], object], what: str, timeout_ms: int = TIMEOUT_MS):
    """Check `ready()` every 250 ms until it is truthy; returns it, or fails saying `what`."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = ready()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"Timed out after {timeout_ms / 1000:.0f} s waiting for {what}.")
        page.wait_for_timeout(250)


def open_page(page: Page, base_url: str, path: str, title: str) -> None:
    """Load a page by URL and wait for its title and its first script run to finish."""
    page.goto(base_url + path)
    expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)


def srcs(images: Locator) -> list[str]:
    """The `src` of each image: Streamlit serves a changed picture under a new /media/ address."""
    return srcs_of(images, "src")


def srcs_of(elements: Locator, attribute: str) -> list[str]:
    """One attribute of every element, e.g. the `href` of links."""
    return elements.evaluate_all("(els, a) => els.map(e => e[a])", attribute)


def slider(page: Page, label: str) -> Locator:
    """The keyboard-focusable thumb of the slider labelled `label`."""
    label_el = page.locator('[data-testid="stWidgetLabel"]').get_by_text(label, exact=True)
    return (
        page.locator('[data-testid="stSlider"]').filter(has=label_el).locator('input[type="range"]')
    )


def choose(page: Page, label: str, option: str) -> str:
    """Pick the first option containing `option` in the selectbox labelled `label`."""
    box = page.get_by_role("combobox", name=label, exact=True)
    expect(box).to_be_visible(timeout=TIMEOUT_MS)
    if option not in box.input_value():

        def picked() -> bool:  # a rerun of the page can close the list: open it again
            if option in box.input_value():
                return True
            try:  # a rerun may also redraw the list under the click: try again, not fail
                if not page.get_by_role("option").first.is_visible():
                    box.click(timeout=CLICK_MS)
                    page.wait_for_timeout(300)
                wanted = page.get_by_role("option").filter(has_text=option)
                if wanted.count():
                    wanted.first.click(timeout=CLICK_MS)
                    page.wait_for_timeout(300)
            except PlaywrightTimeoutError:
                return False
            return option in box.input_value()

        poll(page, picked, f"{option!r} to be chosen in {label!r}")
        wait_idle(page)
        box.blur()  # no focus ring left in the screenshots
    expect(box).to_have_value(re.compile(re.escape(option)))
    no_exception(page)
    return box.input_value()


def options(page: Page, label: str) -> list[str]:
    """The option texts of the selectbox labelled `label` (opens and closes its list)."""
    box = page.get_by_role("combobox", name=label, exact=True)
    expect(box).to_be_visible(timeout=TIMEOUT_MS)
    listed = page.get_by_role("option")

    def opened() -> bool:  # a rerun of the page (a finished run being saved) can close the list
        if not listed.first.is_visible():
            box.click()
            page.wait_for_timeout(300)
        return listed.first.is_visible()

    poll(page, opened, f"the {label!r} list to open")
    texts = [t.strip() for t in listed.all_inner_texts()]
    page.keyboard.press("Escape")
    return texts


def scroll_to_top_of_view(locator: Locator, margin: int = 70) -> None:
    """Scroll the app so `locator` sits near the top of the window (below Streamlit's header)."""
    locator.evaluate(
        """(e, margin) => {
          e.scrollIntoView({block: 'start'});
          let s = e.parentElement;
          const scrolls = (el) =>
            el.scrollHeight > el.clientHeight && getComputedStyle(el).overflowY !== 'visible';
          while (s && !scrolls(s)) s = s.parentElement;
          (s || document.scrollingElement).scrollBy(0, -margin);
        }""",
        margin,
    )


def warm_up(page: Page, base_url: str) -> None:
    """Load Home once on a new server, so every test meets a server that has run app.py.

    (The page scripts live in views/, not pages/, so even a page opened first by its address gets
    the app's own navigation: test_page_opened_first_on_a_fresh_server_has_the_apps_navigation.)
    """
    open_page(page, base_url, "", "CNN Kernel Lab")


# -- the pages -----------------------------------------------------------------------------------
def home(page: Page, base_url: str, shot: Shot = _no_shot) -> dict:
    """Open Home; returns the four step links it shows and the run its picker shows."""
    open_page(page, base_url, "", "CNN Kernel Lab")
    main = page.locator('[data-testid="stMain"]')
    links = [
        main.get_by_role("link", name=name).first
        for name in ("1 · Waveforms", "2 · Train", "3 · Kernels", "4 · Scope")
    ]
    for link in links:
        expect(link).to_be_visible()
    run = page.get_by_role("combobox", name="Run", exact=True)
    expect(run).to_be_visible()
    chart = page.locator(CHART).filter(has_text="training step").first
    expect(chart).to_be_visible(timeout=TIMEOUT_MS)
    no_exception(page)
    shot("home")
    return {"links": [link.inner_text() for link in links], "run": run.input_value()}


def every_page(page: Page, base_url: str, shot: Shot = _no_shot) -> dict[str, str]:
    """Visit every page in the sidebar, as a person clicks through; returns page name -> title."""
    open_page(page, base_url, "", "CNN Kernel Lab")
    nav = page.locator('[data-testid="stSidebarNavLink"]')
    expect(nav.first).to_be_visible(timeout=TIMEOUT_MS)
    # A link's text starts with its icon's name (a ligature): the label is its last line.
    names = [text.strip().splitlines()[-1].strip() for text in nav.all_inner_texts()]
    links = list(zip(names, srcs_of(nav, "href")))
    # Home, where the tour starts, is clicked last: a click on the link of the page already
    # shown need not run the script again.
    links = links[1:] + links[:1]
    titles, shown = {}, page.locator("h1").first.inner_text()
    for name, href in links:
        # A page switch is waited for by what it shows (its address, a new title, an idle
        # script), not by watching the script's state change: twice on a loaded machine no
        # change was seen at all (the watcher hears batched changes, but a run whose start and
        # end are drawn in one render may never change the attribute).
        page.locator(f'[data-testid="stSidebarNavLink"][href="{href}"]').click()
        where = f"after a click on {name!r} ({href}), {len(titles)} pages visited before it"
        expect(page, where).to_have_url(href, timeout=TIMEOUT_MS)
        title = page.locator("h1").first
        expect(title, f"a title other than {shown!r} {where}").not_to_have_text(
            shown, use_inner_text=True, timeout=TIMEOUT_MS
        )
        expect(title, where).to_be_visible(timeout=TIMEOUT_MS)
        wait_idle(page)
        no_exception(page)
        titles[name] = shown = title.inner_text()
    shot("every-page")
    return titles


def gallery(page: Page) -> Locator:
    """The Waveforms gallery: one captioned picture row per class."""
    return page.locator('[data-testid="stImage"]').filter(
        has=page.locator('[data-testid="stImageCaption"]')
    )


def waveforms(page: Page, base_url: str, shot: Shot = _no_shot) -> tuple[list[str], list[str]]:
    """Move 'Samples per class' one notch; returns the gallery's image sources before and after."""
    open_page(page, base_url, "Waveforms", "Waveforms")
    pictures = gallery(page).locator("img")
    expect(pictures.first).to_be_visible(timeout=TIMEOUT_MS)
    before = srcs(pictures)
    thumb = slider(page, "Samples per class")
    thumb.focus()
    thumb.press("ArrowRight")

    def redrawn() -> list[str] | None:
        now = srcs(pictures)
        return now if len(now) == len(before) and set(now).isdisjoint(before) else None

    after = poll(page, redrawn, "every gallery picture to be drawn anew")
    wait_idle(page)
    no_exception(page)
    shot("waveforms")
    return before, after


@dataclass
class TrainSeen:
    """What the Train walk saw: step counts at each moment and the saved run."""

    total_steps: int
    running: tuple[int, int]  # step when the chart first showed, step once it had grown
    paused: tuple[int, int]  # step when paused, step about 2 s later
    chart_held: bool
    resumed: int  # a step seen after Resume, above the paused one
    stopped_message: str
    run_name: str
    picker_options: list[str]
    picker_value: str


# A run that takes a minute or two if left alone, so there is time to pause it and stop it.
TRAIN_SETTINGS = (
    ("Epochs", "4"),
    ("Training images", "1600"),
    ("Batch size", "32"),
    ("Held-out images", "60"),
    ("Held-out check every (steps)", "2"),
)
TRAIN_STEPS = 200  # 4 epochs x 1600 / 32


def _step(page: Page) -> int | None:
    bar = page.locator('[data-testid="stProgress"]')
    if not bar.count():
        return None
    m = STEP_TEXT.search(bar.first.inner_text())
    return int(m.group(1)) if m else None


def _chart_lines(chart: Locator) -> tuple[str, ...] | bytes:
    """What the chart draws: its SVG line paths (or, drawn on a canvas, a picture of it)."""
    paths = chart.locator("path").evaluate_all(
        "els => els.filter(e => (e.closest('g.mark-line') || e.closest('g.mark-symbol')))"
        ".map(e => e.getAttribute('d'))"
    )
    return tuple(paths) if paths else chart.screenshot()


def train(page: Page, base_url: str, shot: Shot = _no_shot, shot_at_step: int = 0) -> TrainSeen:
    """Set a small run, Start, watch the charts grow, Pause, Resume, Stop, find it in the picker.

    The picture is taken once the charts have grown, or later, from step `shot_at_step` on.
    """
    open_page(page, base_url, "Train", "Train")
    advanced = page.get_by_text("Advanced settings: the network and how it trains")
    advanced.click()
    tab = page.get_by_role("tab", name="Training", exact=True)

    def training_tab_open() -> bool:  # a click as the expander opens can be lost: click again
        if tab.get_attribute("aria-selected") != "true":
            tab.click()
        return tab.get_attribute("aria-selected") == "true"

    poll(page, training_tab_open, "the Training tab to open")
    for label, value in TRAIN_SETTINGS:
        box = page.get_by_label(label, exact=True)
        expect(box).to_be_visible(timeout=TIMEOUT_MS)
        box.fill(value)
        box.press("Enter")
        expect(box).to_have_value(value)
    expect(page.get_by_text(f"= {TRAIN_STEPS} steps of 32 images")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    wait_idle(page)
    advanced.click()  # fold the settings away, so the live charts come up the page
    no_exception(page)

    page.get_by_role("button", name="Start", exact=True).click()
    chart = page.locator(CHART).filter(has_text="training step").first
    expect(chart).to_be_visible(timeout=60_000)  # includes drawing the training images
    first = poll(page, lambda: _step(page), "the progress bar to count steps")
    lines = _chart_lines(chart)
    grown = poll(
        page,
        lambda: (s := _step(page)) and s > first and _chart_lines(chart) != lines and s,
        "the step count to rise and the charts to change",
        timeout_ms=60_000,
    )
    if shot_at_step > grown:
        poll(
            page,
            lambda: (_step(page) or 0) >= shot_at_step,
            f"step {shot_at_step}",
            timeout_ms=300_000,
        )
    no_exception(page)
    scroll_to_top_of_view(page.locator('[data-testid="stExpander"]').filter(has=advanced).first)
    shot("train")

    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.get_by_text("Press Resume to go on")).to_be_visible(timeout=TIMEOUT_MS)
    held_at, held_lines = _step(page), _chart_lines(chart)
    page.wait_for_timeout(2000)  # a paused run must stay put: nothing to wait for but time
    paused = (held_at, _step(page))
    chart_held = _chart_lines(chart) == held_lines
    no_exception(page)

    page.get_by_role("button", name="Resume", exact=True).click()
    resumed = poll(
        page, lambda: (s := _step(page)) and s > held_at and s, "training to go on after Resume"
    )
    no_exception(page)

    page.get_by_role("button", name="Stop", exact=True).click()
    stopped = page.get_by_text("What it learned so far is saved")
    expect(stopped).to_be_visible(timeout=TIMEOUT_MS)
    saved = page.get_by_text(re.compile(r"^Saved as \S+; it is now the current run"))
    expect(saved).to_be_visible(timeout=TIMEOUT_MS)
    run_name = re.match(r"Saved as (\S+);", saved.inner_text()).group(1)
    message = stopped.inner_text()
    no_exception(page)

    # The run picker, reached the way a person would: the sidebar's Home link, same session.
    page.locator('[data-testid="stSidebarNavLink"]').filter(has_text="Home").click()
    expect(page.get_by_role("heading", name="CNN Kernel Lab", exact=True)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    wait_idle(page)
    picker = page.get_by_role("combobox", name="Run", exact=True)
    expect(picker).to_have_value(re.compile(re.escape(run_name)), timeout=TIMEOUT_MS)
    listed = options(page, "Run")
    no_exception(page)
    return TrainSeen(
        total_steps=TRAIN_STEPS,
        running=(first, grown),
        paused=paused,
        chart_held=chart_held,
        resumed=resumed,
        stopped_message=message,
        run_name=run_name,
        picker_options=listed,
        picker_value=picker.input_value(),
    )


def _montage(page: Page) -> Locator:
    """The Kernels montage: the first picture in the column headed 'Snapshot k of n'."""
    column = page.locator('[data-testid="stColumn"]').filter(has_text=SNAPSHOT_TEXT)
    return column.locator(IMAGE).first


def _snapshot(page: Page) -> tuple[int, int]:
    text = page.get_by_text(SNAPSHOT_TEXT).first.inner_text()
    k, n = SNAPSHOT_TEXT.search(text).groups()
    return int(k), int(n)


def kernels(page: Page, base_url: str, shot: Shot = _no_shot) -> list[tuple[int, str]]:
    """On the example run: slider to the start, Play, Pause, slider to the end.

    Returns (snapshot number, montage image source) at each of the four moments.
    """
    open_page(page, base_url, "Kernels", "Kernels through training")
    choose(page, "Run", "[example]")
    montage = _montage(page)
    expect(montage).to_be_visible(timeout=TIMEOUT_MS)
    seen = [(_snapshot(page)[0], montage.get_attribute("src"))]

    thumb = slider(page, "Snapshot (drag to travel through training)")
    thumb.focus()
    thumb.press("Home")
    expect(page.get_by_text(re.compile(r"Snapshot 1 of \d+"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(montage).not_to_have_attribute("src", seen[-1][1], timeout=TIMEOUT_MS)
    wait_idle(page)
    seen.append((_snapshot(page)[0], montage.get_attribute("src")))
    no_exception(page)

    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    player = page.frame_locator(PLAYER)  # Play animates in the browser, inside the player
    expect(player.locator("#label")).to_contain_text(SNAPSHOT_TEXT, timeout=TIMEOUT_MS)

    def played() -> tuple[int, str] | None:
        k = int(SNAPSHOT_TEXT.search(player.locator("#label").inner_text()).group(1))
        return (k, player.locator("#im").get_attribute("src")) if k > 1 else None

    seen.append(poll(page, played, "Play to move the montage on"))
    no_exception(page)
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)

    thumb = slider(page, "Snapshot (drag to travel through training)")
    thumb.focus()
    thumb.press("End")
    last = _snapshot(page)[1]
    expect(page.get_by_text(re.compile(rf"Snapshot {last} of {last}"))).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(montage).not_to_have_attribute("src", seen[-1][1], timeout=TIMEOUT_MS)
    wait_idle(page)
    seen.append((_snapshot(page)[0], montage.get_attribute("src")))
    no_exception(page)
    shot("kernels")
    return seen


@dataclass
class ScopeSeen:
    """What the Scope page showed for an uploaded screenshot."""

    heading: str
    stage_captions: list[str]
    feature_maps: int  # pictures of one kernel's feature map
    prediction: str  # the class the network names
    confidence: int  # percent


def scope_png() -> bytes:
    """The screenshot the Scope walk uploads: none of the bundled samples, 2.5 sine cycles."""
    sample = Sample(
        "e2e-sine",
        (Trace("sine", CYAN, dict(cycles=2.5, phase=0.3, amplitude=0.5), seed=7, label="CH2"),),
        "100us",
        "sine",
    )
    buf = io.BytesIO()
    Image.fromarray(scope_screenshot(sample)).save(buf, format="PNG")
    return buf.getvalue()


SCOPE_PNG_NAME = "e2e-sine.png"
CORRUPT_PNG = b"\x89PNG\r\n\x1a\n" + b"this is not an image" * 10  # a PNG signature, then junk
STAGES = ("1 · your image", "2 · the plot area", "3 · trace pixels found", "4 · network input")


def scope_uploader(page: Page) -> Locator:
    """The Scope page's file input for one picture (the batch's own stays on the page, folded)."""
    single = page.locator('[data-testid="stFileUploader"]').filter(
        has_text="Upload a scope screenshot"
    )
    return single.locator(UPLOAD_INPUT)


def scope_upload(
    page: Page, base_url: str, png: bytes, name: str, shot: Shot = _no_shot
) -> ScopeSeen:
    """Upload a screenshot (PNG bytes) against the example run; returns what the page shows."""
    open_page(page, base_url, "Scope", "Scope: what the network sees")
    choose(page, "Network (run)", "[example]")
    scope_uploader(page).set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": png}]
    )
    heading = page.get_by_role("heading", name=f"From screenshot to network input: {name}")
    expect(heading).to_be_visible(timeout=TIMEOUT_MS)
    answer = page.get_by_text(re.compile(r"^The network says: \w+ \(\d+%\)"))
    expect(answer).to_be_visible(timeout=TIMEOUT_MS)
    maps = page.locator('[data-testid="stImage"]').filter(
        has=page.get_by_text(re.compile(r"^its map on the"))
    )
    expect(maps.first).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    captions = []
    for stage in STAGES:
        caption = page.locator('[data-testid="stImageCaption"]').filter(has_text=stage).first
        expect(caption).to_be_visible()
        captions.append(caption.inner_text())
    cls, pct = re.search(r"The network says: (\w+) \((\d+)%\)", answer.inner_text()).groups()
    scroll_to_top_of_view(heading)
    shot("scope")
    return ScopeSeen(heading.inner_text(), captions, maps.count(), cls, int(pct))


def scope_corrupt(page: Page, base_url: str, data: bytes, name: str, shot: Shot = _no_shot) -> str:
    """Upload bytes that are no image; returns the error message the page shows."""
    open_page(page, base_url, "Scope", "Scope: what the network sees")
    scope_uploader(page).set_input_files(
        files=[{"name": name, "mimeType": "image/png", "buffer": data}]
    )
    error = page.locator(ERROR).first
    expect(error).to_be_visible(timeout=TIMEOUT_MS)
    wait_idle(page)
    no_exception(page)
    shot("scope-corrupt")
    return error.inner_text()


@dataclass
class ClaimsSeen:
    titles: list[str]
    verdicts: list[str]
    charts: int


def claims(page: Page, base_url: str, shot: Shot = _no_shot) -> ClaimsSeen:
    """Open Claims; returns each claim's title, its verdict and how many charts were drawn."""
    open_page(page, base_url, "Claims", "The study's claims, measured")
    main = page.locator('[data-testid="stMain"]')
    verdicts = main.locator('[data-testid="stAlertContentSuccess"]')
    poll(page, lambda: verdicts.count() >= 5, "the five verdicts")
    charts = main.locator(CHART)
    poll(page, lambda: charts.count() >= 5, "the five charts")
    wait_idle(page)
    no_exception(page)
    titles = main.locator("h3").all_inner_texts()
    shot("claims")
    return ClaimsSeen(titles, verdicts.all_inner_texts(), charts.count())
