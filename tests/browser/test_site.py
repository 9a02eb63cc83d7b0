"""The built book as a reader's browser sees it, offline.

Every page of docs/_build/html is opened in headless Chromium with every request that would leave
127.0.0.1 aborted. A page fails if it tried to reach the network, got a 4xx/5xx for itself or an
asset, raised a JavaScript error, left math untypeset (or raw TeX on screen), shows an image that
did not load, or links to a page or an anchor that does not exist. The copy button must copy code
without prompts or output, and the start page must fit a phone's width. Screenshots land in
docs/_build/screenshots/.

Run with ``nox -s browser``, which builds the book first when docs/_build/html is missing. Outside
that session a missing build, Chromium or playwright skips these tests; with
``REFGRAD_REQUIRE_BROWSER=1`` (set by the session) it fails them instead.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
# REFGRAD_HTML_DIR points the check at another build (default: docs/_build/html).
HTML = Path(os.environ.get("REFGRAD_HTML_DIR") or ROOT / "docs" / "_build" / "html").resolve()
SCREENSHOTS = HTML.parent / "screenshots"

# Keep Chromium quiet on a closed network: no background fetches, no updates, no QUIC probes.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str) -> None:
    """Skip, or fail when the caller asked for the browser check to be mandatory."""
    if os.environ.get("REFGRAD_REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def site() -> Iterator[str]:
    """Serve docs/_build/html from a local HTTP server on a free port; yield its base URL."""
    if not (HTML / "index.html").is_file():
        unavailable(f"{HTML} has no index.html: build the book first (nox -s docs)")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by pip's playwright (never a browser playwright downloads)."""
    executable = shutil.which("chromium")
    if executable is None:
        unavailable("chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[browser]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


PAGES = sorted(
    path.relative_to(HTML).as_posix()
    for path in HTML.rglob("*.html")
    if path.relative_to(HTML).parts[0] not in ("_sources", "_static")
)

PHONE = {"width": 390, "height": 844}

# Visible text (outside code) that means MathJax did not typeset something.
RAW_TEX = r"/\\frac|\\partial|\\sum|\\begin\{|\$\$|\\\(|\\\[/"

FIND_RAW_TEX = f"""() => {{
  const raw = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
    const el = node.parentElement;
    if (!el || el.closest("pre, code, script, style, textarea, mjx-container")) continue;
    if (!el.getClientRects().length) continue;  // not rendered
    if ({RAW_TEX}.test(node.textContent)) raw.push(node.textContent.trim().slice(0, 80));
  }}
  return raw;
}}"""

BROKEN_IMAGES = """() => Array.from(document.images)
  .filter(img => !(img.complete && img.naturalWidth > 0))
  .map(img => img.currentSrc || img.src)"""


PAGE_TIMEOUT_MS = 180_000

IMAGES_SETTLED = "() => Array.from(document.images).every(img => img.complete)"

# Every link's resolved URL (the browser resolves relative hrefs against the page).
LINKS = "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"


@functools.cache
def _ids(page_file: Path) -> frozenset[str]:
    return frozenset(re.findall(r'\sid="([^"]+)"', page_file.read_text(encoding="utf-8")))


def dead_links(urls: list[str], site: str) -> list[str]:
    """Find the links into the site whose file, or whose #anchor in that file, does not exist."""
    dead = []
    for url in urls:
        if not url.startswith(site + "/"):
            continue  # another site: not followed (and never requested)
        parts = urlsplit(url)
        target = HTML / unquote(parts.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            dead.append(url)
        elif parts.fragment and target.suffix == ".html":
            if unquote(parts.fragment) not in _ids(target):
                dead.append(url)
    return sorted(set(dead))


@dataclass
class Visit:
    """A page opened in Chromium, with everything that went wrong while loading it."""

    page: Any
    left_machine: list[str] = field(default_factory=list)
    bad_responses: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    js_errors: list[str] = field(default_factory=list)


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield ctx
    finally:
        ctx.close()


def open_page(context: Any, url: str) -> Visit:
    page = context.new_page()
    visit = Visit(page)

    def only_local(route: Any) -> None:
        request_url = route.request.url
        if urlsplit(request_url).hostname == "127.0.0.1":
            route.continue_()
        else:
            visit.left_machine.append(request_url)
            route.abort()

    def on_response(response: Any) -> None:
        if response.status >= 400:
            visit.bad_responses.append(f"{response.status} {response.url}")

    def on_request_failed(request: Any) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":  # not one we aborted ourselves
            visit.failed_requests.append(f"{request.failure} {request.url}")

    page.route("**/*", only_local)
    page.on("response", on_response)
    page.on("requestfailed", on_request_failed)
    page.on("pageerror", lambda e: visit.js_errors.append(str(e)))
    # Generous timeouts: CI runs this on 2 busy cores, and the longest pages (the API reference)
    # take MathJax and the lazily loaded images well over Playwright's 30 s default to settle.
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(url, wait_until="load")
    # Bring lazily loaded images in, wait until each has loaded or failed, then let the network
    # settle.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(IMAGES_SETTLED)
    page.wait_for_load_state("networkidle")
    return visit


def wait_for_mathjax(page: Any) -> int:
    """Wait for MathJax's startup promise if the page has math; return the math element count."""
    count: int = page.locator("span.math, div.math").count()
    if count:
        try:
            page.wait_for_function(
                "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise",
                timeout=15_000,
            )
        except Exception as error:
            raise AssertionError(f"{page.url}: MathJax never started ({error})") from None
        page.evaluate("() => window.MathJax.startup.promise")
    return count


def test_the_book_was_built() -> None:
    assert (HTML / "index.html").is_file(), "docs/_build/html/index.html is missing"
    assert "index.html" in PAGES and "api.html" in PAGES


@pytest.mark.parametrize("path", PAGES)
def test_page(site: str, context: Any, path: str) -> None:
    visit = open_page(context, f"{site}/{path}")
    assert visit.left_machine == [], f"{path} tried to leave the machine: {visit.left_machine}"
    assert visit.bad_responses == [], f"{path}: error responses {visit.bad_responses}"
    assert visit.failed_requests == [], f"{path}: failed requests {visit.failed_requests}"

    page = visit.page
    math = wait_for_mathjax(page)
    if math:
        typeset = page.locator("mjx-container").count()
        assert typeset >= math, f"{path}: {math} math elements but {typeset} typeset by MathJax"
        assert page.locator("mjx-container svg").count() >= math, f"{path}: math is not SVG"
    raw_tex = page.evaluate(FIND_RAW_TEX)
    assert raw_tex == [], f"{path}: raw TeX visible: {raw_tex}"
    broken = page.evaluate(BROKEN_IMAGES)
    assert broken == [], f"{path}: images that did not load: {broken}"
    assert visit.js_errors == [], f"{path}: JavaScript errors {visit.js_errors}"
    dead = dead_links(page.evaluate(LINKS), site)
    assert dead == [], f"{path}: links to pages or anchors that do not exist: {dead}"


def test_index_has_math_and_figures(site: str, context: Any, screenshots: Path) -> None:
    """The start page has typeset math and a figure drawn by a cell (not lost to MPLBACKEND)."""
    page = open_page(context, f"{site}/index.html").page
    assert wait_for_mathjax(page) > 0, "the start page should show math (the chain rule)"
    figures = page.locator("div.cell_output img")
    assert figures.count() >= 1, "no figure in the cell outputs: is MPLBACKEND=Agg leaking?"
    for i in range(figures.count()):
        width = figures.nth(i).evaluate("img => img.naturalWidth")
        assert width > 0, f"figure {i} did not load"
    page.screenshot(path=str(screenshots / "index.png"), full_page=True)


def test_api_page(site: str, context: Any, screenshots: Path) -> None:
    page = open_page(context, f"{site}/api.html").page
    wait_for_mathjax(page)
    assert page.locator("dl.py").count() > 0, "the API page documents nothing"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshots / "api.png"))  # the top: the page is very long


def test_copy_button_copies_code_only(site: str, browser: Any) -> None:
    """Copying a ``>>>`` example yields just the code: no prompts, no output lines."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        page = open_page(context, f"{site}/index.html").page
        blocks = page.locator("div.highlight:has(span.gp)")  # blocks with >>> prompts
        assert blocks.count() > 0, "index.html has no >>> example to copy"
        block = blocks.first
        shown = block.locator("pre").inner_text()
        assert ">>>" in shown

        block.hover()
        block.locator("button.copybtn").click()
        copied: str = page.evaluate("() => navigator.clipboard.readText()")

        assert copied.strip(), "nothing was copied"
        assert ">>>" not in copied, copied
        expected = [line[4:] for line in shown.splitlines() if line.startswith((">>> ", "... "))]
        assert copied.splitlines() == expected, (copied, shown)

        # A code cell (no prompts) is copied whole.
        cell = page.locator("div.cell_input div.highlight").first
        cell.hover()
        cell.locator("button.copybtn").click()
        copied_cell: str = page.evaluate("() => navigator.clipboard.readText()")
        assert copied_cell.strip() == cell.locator("pre").inner_text().strip()
    finally:
        context.close()


@pytest.mark.parametrize("path", ["index.html", "api.html"])
def test_readable_on_a_phone(site: str, browser: Any, screenshots: Path, path: str) -> None:
    """On a phone-sized screen the page does not scroll sideways (code blocks scroll instead)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    try:
        page = open_page(context, f"{site}/{path}").page
        wait_for_mathjax(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, f"{path} is {overflow}px wider than a phone screen"
        name = Path(path).stem
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=False)
    finally:
        context.close()
