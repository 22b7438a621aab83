"""Browser journeys: a fresh SQLite database with the demo community, the app and its worker on a
local port, and Debian's Chromium driven by Playwright. Every journey fails on a JavaScript console
error, a failed request, or a request to any host but the test server."""

import hashlib
import hmac
import os
import re
import socket
import sqlite3
import struct
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "e2e" / "artifacts"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PASSWORD = os.environ.get("GONGZHI_DEMO_PASSWORD", "Gongzhi@2026")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
# The demo staff accounts share this development-only authenticator key (settings.GONGZHI_DEMO_TOTP_KEY).
DEMO_TOTP_KEY = os.environ.get("GONGZHI_DEMO_TOTP_KEY", "3132333435363738393031323334353637383930")
A11Y = (ROOT / "e2e" / "a11y.js").read_text()
UNTRANSLATED = (ROOT / "e2e" / "untranslated.js").read_text()


DB = ROOT / "var" / "e2e.sqlite3"


def demo_db(sql: str, params=()) -> list[tuple]:
    """Read the journey's database, for what a user would know from elsewhere (the QR code on a card,
    a building id a partner system was given)."""
    db = sqlite3.connect(DB)
    try:
        return db.execute(sql, params).fetchall()
    finally:
        db.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    port = int(os.environ.get("E2E_PORT") or _free_port())
    db = DB
    # E2E_KEEP_DB=1 (while writing a journey) reuses the last run's database: no migrate, no demo, only
    # the sign-in lockouts of the last run cleared. Journeys do not depend on a pristine database.
    keep = os.environ.get("E2E_KEEP_DB") == "1" and db.exists()
    if not keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "LOG_LEVEL": "WARNING",
        "GONGZHI_ENV": "development",
        "DEBUG": "0",
        # Imports of more than 2 KB go to the background worker, so a journey can watch the progress bar.
        "GONGZHI_IMPORT_BACKGROUND_BYTES": "2048",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    if keep:
        subprocess.run([*manage, "axes_reset"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    else:
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run([*manage, "core_demo"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    procs = [
        subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
        subprocess.Popen(
            [*manage, "db_worker", "--no-reload", "--queue-name", "*"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a busy two-core machine may take minutes to start it
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)  # noqa: S310 - our own local server
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the test server did not start") from None
                time.sleep(0.5)
        yield base
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def totp(at: float) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits) of the demo key at a time."""
    counter = struct.pack(">Q", int(at) // 30)
    digest = hmac.new(bytes.fromhex(DEMO_TOTP_KEY), counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


_used_steps: dict[str, int] = {}
# The session cookies of each account signed in during the run, reused by later journeys.
_sessions: dict[str, list] = {}
HTML_LANG = {"zh-hans": "zh-Hans"}


class Journey:
    """One user's browser tab with the checks every journey carries."""

    def __init__(self, browser, server, name, viewport, language="zh-hans"):
        self.server, self.name, self.step, self.language = server, name, 0, language
        self.context = browser.new_context(viewport=viewport, locale="zh-CN")
        self.context.add_cookies([{"name": "django_language", "value": language, "url": server}])
        self.page = self.context.new_page()
        self.errors: list[str] = []
        host = server.split("//", 1)[1]
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        # A request the browser itself abandoned while navigating away is not a failure of the app.
        self.page.on(
            "requestfailed",
            lambda r: (
                r.failure != "net::ERR_ABORTED" and self.errors.append(f"failed request: {r.url} {r.failure}")
            ),
        )
        self.page.on(
            "response", lambda r: r.status >= 400 and self.errors.append(f"HTTP {r.status}: {r.url}")
        )

        def guard(route):
            url = route.request.url
            if url.startswith(("data:", "blob:")) or url.split("//", 1)[-1].split("/", 1)[0] == host:
                route.continue_()
            else:
                self.errors.append(f"request to a foreign host: {url}")
                route.abort()

        self.page.route("**/*", guard)

    def goto(self, path):
        response = self.page.goto(self.server + path)
        return response

    def shot(self, label):
        self.step += 1
        safe = re.sub(r"[^\w-]+", "_", label)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{self.step:02d}-{safe}.png"), full_page=True)

    def check_a11y(self):
        problems = self.page.evaluate(A11Y)
        assert not problems, f"{self.page.url}: {problems}"

    def check_tibetan(self):
        assert self.page.locator("html").get_attribute("lang") == "bo"
        leftovers = self.page.evaluate(UNTRANSLATED)
        assert not leftovers, f"untranslated text on {self.page.url}: {leftovers}"

    def login(self, username, password=PASSWORD, fresh=False):
        """Sign in, or reuse the session this account got earlier in the run (a staff sign-in costs a
        second factor whose code is accepted once per 30 s: sharing sessions keeps the run short).
        Then make the page speak this journey's language: a signed-in user's own choice wins over the
        browser's, and an earlier journey may have changed it."""
        cookies = None if fresh else _sessions.get(username)
        if cookies:
            self.context.add_cookies(cookies)
            self.goto("/")
            if "/accounts/" not in self.page.url:
                self.use_language(self.language)
                return
        self.goto("/accounts/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit].btn-primary")
        self.page.wait_for_load_state()
        if self.page.locator("#id_token").count():
            # Staff pass the second factor. A code is accepted once per account per 30 s step, so a
            # second sign-in of the same account within one step waits for the next.
            step = int(time.time()) // 30
            if _used_steps.get(username) == step:
                time.sleep(30 - time.time() % 30 + 0.5)
            self.page.fill("#id_token", totp(time.time()))
            _used_steps[username] = int(time.time()) // 30
            self.page.click("button[type=submit].btn-primary")
            self.page.wait_for_load_state()
        if "/accounts/login" not in self.page.url:
            _sessions[username] = [c for c in self.context.cookies() if c["name"] != "django_language"]
            self.use_language(self.language)

    def use_language(self, language):
        """Choose a language with the footer's buttons (stored on the account when signed in)."""
        self.language = language
        if self.page.locator("html").get_attribute("lang") != HTML_LANG.get(language, language):
            self.page.click(f"footer button[value={language}]")
            self.page.wait_for_load_state()

    def expect_not_found(self, path):
        """Open a path that must answer 404 (not in this user's area) and show the 404 page."""
        response = self.goto(path)
        assert response.status == 404, f"{path} answered {response.status}"
        self.errors = [e for e in self.errors if not (e.startswith("HTTP 404") and path in e)]
        self.errors = [e for e in self.errors if "status of 404" not in e]
        return response

    def close(self):
        self.context.close()
        assert not self.errors, self.errors


@pytest.fixture
def journey(browser, server, request):
    opened = []

    def _open(viewport=PHONE, language="zh-hans", name=None):
        j = Journey(browser, server, name or request.node.name, viewport, language)
        opened.append(j)
        return j

    yield _open
    for j in opened:
        j.close()
