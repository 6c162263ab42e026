"""Fixtures for the browser tests: the app on a free port, headless Chromium, a fresh page per test.

Where Chromium or Playwright is missing the tests skip and say how to install it; under CI
(CI=true) they fail instead, so CI cannot pass without running them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.harness import (
    IN_CI,
    VIEWPORT,
    Server,
    chromium_problem,
    launch_browser,
    save_screenshot,
    start_server,
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    if report.failed:
        for name in ("app_server", "fresh_server"):
            server = getattr(item, "funcargs", {}).get(name)
            if isinstance(server, Server) and not server.log_file.closed:
                report.sections.append((f"{name}: streamlit log (tail)", server.log_tail()))
    return report


# Package scope: one server and one browser for all browser tests, shut down before the rest of
# the suite goes on.
@pytest.fixture(scope="package")
def browser():
    """Headless Chromium, launched once; skipped (failed under CI) where it cannot run."""
    problem = chromium_problem()
    if problem:
        if IN_CI:
            pytest.fail(problem)
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = launch_browser(pw)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def app_server(browser, tmp_path_factory) -> Iterator[Server]:
    """`streamlit run app.py` on a free localhost port, saving its runs in a temporary folder.

    Home is loaded once first, so every test meets the app as st.navigation sets it up, whichever
    tests run and in whatever order.
    """
    from tests.e2e import steps

    tmp = tmp_path_factory.mktemp("e2e")
    server = start_server(runs_dir=tmp / "runs", log_path=tmp / "streamlit.log")
    try:
        context = browser.new_context(viewport=VIEWPORT)
        steps.warm_up(context.new_page(), server.url)
        context.close()
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_server(browser, tmp_path) -> Iterator[Server]:
    """A server of its own that no browser has visited yet."""
    server = start_server(runs_dir=tmp_path / "runs", log_path=tmp_path / "streamlit.log")
    yield server
    server.stop()


@pytest.fixture
def base_url(app_server: Server) -> str:
    return app_server.url


@pytest.fixture
def page(browser, app_server, request):
    """A new browser context per test (a fresh session), 1280x800; a screenshot if it fails."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    yield pg
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            save_screenshot(pg, f"{request.node.name}-failed")
        except Exception:  # a crashed page cannot be photographed; the failure says enough
            pass
    context.close()


@pytest.fixture
def shot(page) -> Callable[[str], None]:
    """Save the page as test-artifacts/e2e/<name>.png."""

    def save(name: str) -> None:
        save_screenshot(page, name)

    return save
