"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium); axe-core (npm) is
injected in every page visited through ``visit`` and must report no serious or critical
violation of the WCAG 2.1 A/AA rules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("PARLONS_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `npm ci` (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, settings):
    settings.PARLONS_SIGNUP_MIN_SECONDS = 0
    # axe is injected as a script tag: the test browser bypasses our CSP to do so.
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _check_accessibility(page) -> None:
    """Run axe-core on the current page; fail on serious or critical WCAG 2.1 A/AA issues."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in bad)
    assert not bad, f"accessibility violations on {page.url}:\n{details}"


@pytest.fixture
def visit(page, live_server):
    """Open a path of the live server and check its accessibility."""

    def go(path: str):
        response = page.goto(live_server.url + path)
        assert response is not None and response.status < 400, (path, response and response.status)
        _check_accessibility(page)
        return response

    return go


@pytest.fixture
def check_accessibility():
    return _check_accessibility
