"""End-to-end fixtures: the app with the demo programme on a live server, and a real Chromium.

The browser is Debian's ``/usr/bin/chromium`` driven by Playwright (sync API). Without it the
browser tests are skipped, except when ``CI`` is set: CI must really run them, so they fail.

Every page opened through these fixtures records console errors, uncaught exceptions and
Content-Security-Policy violations; tests call ``assert_no_browser_errors(page)`` after each step.
"""

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from werkzeug.serving import make_server

from supporters.demo.seed import seed_demo
from supporters.extensions import db
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
HERE = Path(__file__).resolve().parent

# Chromium reports a violation on the console too, but the DOM event also names the directive.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || document.location.href}:${e.lineNumber}`);
});
"""


_STATIC_FILE_LEFT_OPEN = pytest.mark.filterwarnings(
    r"ignore:unclosed file <_io\.BufferedReader name='[^']*static/[^']*'>:ResourceWarning"
)


def pytest_collection_modifyitems(items):
    """Mark every test under tests/browser/ as ``browser`` (``-m "not browser"`` skips them)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            # Werkzeug's test server leaves a static file open when Chromium drops the connection
            # mid-answer (a page navigated away before its favicon arrived); the handle is only
            # collected in whichever later test runs, so that test failed at random. The app
            # holds no file itself: this is the test server's, so it is not an error here.
            item.add_marker(_STATIC_FILE_LEFT_OPEN)


def _unavailable(reason: str):
    """Skip on a developer's machine; fail on CI, where the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so the browser tests may not be skipped)")
    pytest.skip(reason)


# --- translations -------------------------------------------------------------------------------


@dataclass
class Catalogues:
    """The UI catalogues compiled from ``translations/*/LC_MESSAGES/messages.po`` for this run."""

    directory: Path
    messages: dict[str, dict[str, str]] = field(default_factory=dict)

    def translates(self, locale: str, msgid: str) -> bool:
        """Whether ``msgid`` has a (non-fuzzy) translation in ``locale``'s catalogue yet."""
        return bool(self.messages.get(locale, {}).get(msgid))


@pytest.fixture(scope="session")
def catalogues(tmp_path_factory) -> Catalogues:
    """Compile the current .po files (as ``make translations`` does) into a private directory.

    The live server reads these, so the browser tests never run on a stale or missing .mo and
    never write into the working tree (the catalogues are being edited while the suite runs).
    """
    out = Catalogues(tmp_path_factory.mktemp("translations"))
    for po_path in sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        mo_path = out.directory / locale / "LC_MESSAGES" / "messages.mo"
        mo_path.parent.mkdir(parents=True)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        out.messages[locale] = {
            m.id: m.string
            for m in catalog
            if m.id and isinstance(m.id, str) and isinstance(m.string, str) and not m.fuzzy
        }
    return out


# --- live server --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveServer:
    """A running app: its base URL (no trailing slash) and the app, for checking the database."""

    url: str
    app: object


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, catalogues, browser) -> LiveServer:
    """The app with the demo programme, served by werkzeug in a daemon thread on a free port.

    Depends on ``browser`` only so that a missing Chromium skips before any database is built.
    """
    app = make_app(
        tmp_path_factory.mktemp("live"),
        BABEL_TRANSLATION_DIRECTORIES=str(catalogues.directory),
    )
    with app.app_context():
        seed_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture(scope="module")
def base_url(live_server) -> str:
    """The live server's base URL, e.g. ``http://127.0.0.1:40123``."""
    return live_server.url


# --- browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser):
    """Factory: a page in a fresh context (no cookies), Japanese, in Japan, desktop-sized.

    Keyword arguments override the context options, e.g. ``new_page(viewport=PHONE)``.
    Each page gets ``page.console_errors`` and ``page.csp_violations`` lists.
    """
    contexts = []

    def factory(**options):
        settings = {
            "viewport": DESKTOP,
            "locale": "ja-JP",
            "timezone_id": "Asia/Tokyo",
            "extra_http_headers": {"Accept-Language": "ja"},
            **options,
        }
        context = browser.new_context(**settings)
        context.set_default_timeout(10_000)
        context.add_init_script(_CSP_LISTENER)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.csp_violations = []

        def on_console(message):
            if message.type != "error":
                return
            if REFUSED_FORM in message.text and message.location.get("url") == page.url:
                return  # the page itself, re-shown after a refused form (422 by design)
            text = f"{message.text} ({page.url})"
            page.console_errors.append(text)
            if "Content Security Policy" in message.text or message.text.startswith("CSP "):
                page.csp_violations.append(text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: page.console_errors.append(f"uncaught: {error}"))
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A fresh desktop page (1280×900, ja-JP, Asia/Tokyo)."""
    return new_page()


# Chromium reports any 4xx document as a console error; a refused form answers 422 on purpose
# (supporters/refusals.py), so that one message about the page itself is not an error.
REFUSED_FORM = "status of 422"


def assert_no_browser_errors(page) -> None:
    """No CSP violation and no console error has been reported on any page so far."""
    assert not page.csp_violations, "CSP violations:\n" + "\n".join(page.csp_violations)
    assert not page.console_errors, "console errors:\n" + "\n".join(page.console_errors)


def scroll_width(page) -> int:
    """The loaded page's scroll width, waiting out a navigation still under way.

    Reading ``document.documentElement`` straight after a click can land between two documents,
    when it is briefly ``null``.
    """
    page.wait_for_load_state()
    return page.wait_for_function(
        "() => document.readyState === 'complete' && document.documentElement"
        " && document.documentElement.scrollWidth"
    ).json_value()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot to ``test-artifacts/screenshots/<name>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- accessibility -----------------------------------------------------------------------------

# axe-core's rules for WCAG 2.0/2.1/2.2 A and AA.
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}}


def serious_violations(page) -> list:
    """Serious and critical axe-core violations (WCAG 2.2 A and AA rules) on ``page``."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")  # sizes and colours are only right once the CSS applies
    results = Axe().run(page, options=WCAG)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:4])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page, name: str, width: int | None = None) -> None:
    """No serious or critical axe-core violation on ``page``; given a window ``width``, the page
    also fits it (no sideways scroll), is saved as screenshot ``name`` and reported no errors."""
    bad = serious_violations(page)
    assert not bad, f"{name} ({page.url}): {bad}"
    if width is not None:
        assert scroll_width(page) <= width, f"{name} scrolls sideways"
        screenshot(page, name)
        assert_no_browser_errors(page)
