"""The real app in a real browser: each test loads its page afresh and does what a person would.

The walks themselves live in tests/e2e/steps.py, shared with scripts/screenshots.py; these tests
judge what the walks saw. Every test saves a screenshot under test-artifacts/e2e/.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.e2e.harness import IN_CI, PLAYWRIGHT_HINT, VIEWPORT, save_screenshot

if importlib.util.find_spec("playwright") is None and not IN_CI:
    pytest.skip(PLAYWRIGHT_HINT, allow_module_level=True)

from core.training.claims import CLAIMS  # noqa: E402
from tests.e2e import steps  # noqa: E402  (imports Playwright)

pytestmark = pytest.mark.e2e

CLASSES = ("square", "gaussian", "sine", "sawtooth")
NAV_RECORDER = """
window.__navSeen = [];
new MutationObserver(() => {
  const links = [...document.querySelectorAll('[data-testid="stSidebarNavLink"]')];
  if (!links.length) return;
  const names = links.map(a => a.innerText.trim().split('\\n').pop().trim());
  const last = window.__navSeen[window.__navSeen.length - 1];
  if (!last || last.join('|') !== names.join('|')) window.__navSeen.push(names);
}).observe(document, {childList: true, subtree: true, characterData: true});
"""


def test_home_loads(page, base_url, shot):
    seen = steps.home(page, base_url, shot)
    assert [t.split("·")[-1].strip() for t in seen["links"]] == [
        "Waveforms", "Train", "Kernels", "Scope"
    ]  # fmt: skip
    assert seen["run"], "the run picker shows no run"


def test_every_page_opens_without_an_exception(page, base_url, shot):
    titles = steps.every_page(page, base_url, shot)
    assert {"Home", "Waveforms", "Train", "Kernels", "Scope"} <= set(titles)
    assert len(set(titles.values())) == len(titles), f"a page kept another's title: {titles}"


def test_waveforms_control_changes_gallery(page, base_url, shot):
    before, after = steps.waveforms(page, base_url, shot)
    assert len(before) >= 3
    assert len(after) == len(before)
    assert set(after).isdisjoint(before)


def test_train_runs_pauses_stops_and_lists_the_run(page, base_url, shot):
    seen = steps.train(page, base_url, shot)
    first, grown = seen.running
    assert 0 < first < grown < seen.total_steps
    held_at, held_later = seen.paused
    assert held_at == held_later, "the step count moved while paused"
    assert seen.chart_held, "the charts changed while paused"
    assert seen.resumed > held_at
    assert f"of {seen.total_steps}" in seen.stopped_message
    assert seen.resumed <= seen.total_steps
    mine = [o for o in seen.picker_options if o.startswith(seen.run_name)]
    assert mine, f"{seen.run_name} is not among the runs: {seen.picker_options}"
    assert "stopped" in mine[0]
    assert seen.picker_value.startswith(seen.run_name)


def test_kernels_slider_and_play_change_the_montage(page, base_url, shot):
    seen = steps.kernels(page, base_url, shot)
    (start_k, start), (home_k, home), (played_k, played), (end_k, end) = seen
    assert home_k == 1 and home != start
    assert played_k > 1 and played != home
    assert end_k > played_k and end != played


def test_scope_upload_shows_stages_map_and_prediction(page, base_url, shot):
    seen = steps.scope_upload(page, base_url, steps.scope_png(), steps.SCOPE_PNG_NAME, shot)
    assert seen.heading.endswith(steps.SCOPE_PNG_NAME)
    assert len(seen.stage_captions) == 4
    assert seen.feature_maps >= 1
    assert seen.prediction in CLASSES
    assert 0 <= seen.confidence <= 100


def test_scope_corrupt_upload_shows_a_message(page, base_url, shot):
    message = steps.scope_corrupt(page, base_url, steps.CORRUPT_PNG, "corrupt.png", shot)
    assert message.strip()
    assert "Traceback" not in message


def test_page_opened_first_on_a_fresh_server_has_the_apps_navigation(browser, fresh_server):
    """A deep link as the first visit: no folder named pages/ for Streamlit to list on its own,
    so app.py's st.navigation (Home first, no "app") is what paints."""
    context = browser.new_context(viewport=VIEWPORT)
    # Record every sidebar the page ever shows, from its first paint on.
    context.add_init_script(NAV_RECORDER)
    try:
        page = context.new_page()
        steps.open_page(page, fresh_server.url, "Scope", "Scope: what the network sees")
        save_screenshot(page, "fresh-server-scope")
        links = page.locator('[data-testid="stSidebarNavLink"]').all_inner_texts()
        assert [t.strip().splitlines()[-1] for t in links][:1] == ["Home"], links
        seen = page.evaluate("window.__navSeen")
        assert seen, "the sidebar was never seen"
        for names in seen:
            assert names[0] == "Home" and "app" not in names, seen
    finally:
        context.close()


def test_claims_page_answers_every_claim_from_the_shipped_sweep(page, base_url, shot):
    seen = steps.claims(page, base_url, shot)
    assert [t for t in seen.titles if t] == [c.title for c in CLAIMS]
    assert len(seen.verdicts) == len(CLAIMS) == seen.charts
    assert all("Verdict:" in v and "Not measured" not in v for v in seen.verdicts), seen.verdicts
