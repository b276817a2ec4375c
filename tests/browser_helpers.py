"""Open report pages in a real headless browser (Debian's `chromium`) and say what it saw.

The browser is driven through the Chrome DevTools Protocol over `--remote-debugging-pipe`:
JSON messages ending in a NUL byte, read by the browser from file descriptor 3 and written to
file descriptor 4. This needs only the standard library (no websocket client, no Selenium),
and, unlike `--dump-dom`, it tells a console error from a console message, and reports
exceptions and resources that failed to load with their level.

`.ci/run` installs chromium when it is absent; the tests that use this module fail (never skip)
without it, naming that install.
"""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tahsb_analysis.registry import load_registry
from tahsb_analysis.render.pages.page import anchor

MISSING_BROWSER = (
    "chromium is not installed: the browser test needs Debian's `chromium` on PATH. "
    "`.ci/run` installs it (apt-get install -y chromium, as root or through sudo -n); "
    "on your own machine: sudo apt-get install -y chromium")
WINDOW = (1280, 2000)
# Connects the pipes to the descriptors the browser expects (3: commands in, 4: replies out)
# and becomes the browser: no shell, and nothing runs between fork and exec in this process.
_TRAMPOLINE = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
               "os.execvp(sys.argv[3], sys.argv[3:])")
# What the page says of itself once loaded: every id, every figure/table caption, and the
# images that did not decode (by position, never by content).
_INSPECT = """JSON.stringify({
  ids: Array.from(document.querySelectorAll('[id]'), e => e.id),
  captions: Array.from(document.querySelectorAll('figcaption, caption'),
                       e => e.textContent.trim()),
  broken_images: Array.from(document.images).map((img, i) => [i, img])
      .filter(([i, img]) => !img.complete || img.naturalWidth === 0).map(([i]) => i),
  images: document.images.length,
  empty_items: Array.from(document.querySelectorAll('[id^="figure-"], [id^="table-"]'))
      .filter(e => e.getBoundingClientRect().height === 0).map(e => e.id),
})"""


class BrowserError(RuntimeError):
    """The browser did not start, answer or load a page in time."""


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageView:
    """What the browser saw of one page."""

    url: str
    errors: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    captions: list[str] = field(default_factory=list)
    broken_images: list[int] = field(default_factory=list)
    images: int = 0
    empty_items: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Browser:
    """One headless chromium for several pages: `with Browser() as browser: browser.view(...)`."""

    def __init__(self, executable: str | None = None, timeout: float = 30.0):
        self.executable = executable or chromium_path()
        if self.executable is None:
            raise BrowserError(MISSING_BROWSER)
        self.timeout = timeout
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []

    def __enter__(self) -> Browser:
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        self._profile = tempfile.TemporaryDirectory(prefix="tahsb-chromium-")
        arguments = [
            self.executable, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-extensions", "--no-first-run", "--no-default-browser-check",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", "--mute-audio", f"--window-size={WINDOW[0]},{WINDOW[1]}",
            f"--user-data-dir={self._profile.name}", "--remote-debugging-pipe", "about:blank",
        ]
        self._process = subprocess.Popen(
            [sys.executable, "-c", _TRAMPOLINE, str(to_browser_read), str(from_browser_write),
             *arguments],
            pass_fds=(to_browser_read, from_browser_write),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.send("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._profile.cleanup()

    # --- the protocol ------------------------------------------------------------------------

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send one command and return its result; events that arrive meanwhile are kept."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._events.append(reply)

    def _receive(self) -> dict:
        deadline = time.monotonic() + self.timeout
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise BrowserError(f"chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("chromium closed its DevTools pipe (did it start?)")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _wait_for(self, method: str, session: str) -> None:
        def seen() -> bool:
            return any(e.get("method") == method and e.get("sessionId") == session
                       for e in self._events)

        while not seen():
            self._events.append(self._receive())

    # --- pages -------------------------------------------------------------------------------

    def view(self, path: Path, screenshot: Path | None = None) -> PageView:
        """Load a local page, wait for its load event, and return what it showed; save a
        screenshot of the window (WINDOW) when `screenshot` is given."""
        started = time.monotonic()
        url = Path(path).resolve().as_uri()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self._events = [e for e in self._events if e.get("sessionId") != session]
        self.send("Page.navigate", {"url": url}, session=session)
        self._wait_for("Page.loadEventFired", session)
        found = json.loads(self.send(
            "Runtime.evaluate", {"expression": _INSPECT, "returnByValue": True},
            session=session)["result"]["value"])
        if screenshot is not None:
            image = self.send("Page.captureScreenshot", {"format": "png"}, session=session)
            Path(screenshot).write_bytes(base64.b64decode(image["data"]))
        self.send("Target.closeTarget", {"targetId": target})
        events = [e for e in self._events if e.get("sessionId") == session]
        self._events = [e for e in self._events if e.get("sessionId") != session]
        return PageView(url=url, errors=console_errors(events), ids=set(found["ids"]),
                        captions=found["captions"], broken_images=found["broken_images"],
                        images=found["images"], empty_items=found["empty_items"],
                        seconds=time.monotonic() - started)


def console_errors(events: list[dict]) -> list[str]:
    """The errors among DevTools events: console.error/assert calls, uncaught exceptions, and
    log entries of level error (e.g. a resource that failed to load)."""
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
            words = " ".join(str(a.get("value", a.get("description", "")))
                             for a in params.get("args", []))
            errors.append(f"console.{params['type']}: {words}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            errors.append(f"uncaught exception: {text}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            errors.append(f"{entry.get('source', 'log')}: {entry.get('text', '')} "
                          f"{entry.get('url', '')}".rstrip())
    return errors


def study_page_items(tier: str, present: set[str] | None = None) -> list[str]:
    """The element ids a study page of `tier` must show: every table and every figure the
    output registry sends to that tier; with `present` (the outputs the page's results table
    has rows for), only those tables, since the page names an output without rows in a list
    of absent outputs instead (e.g. coding reliability for a cohort without double coding)."""
    registry = load_registry()
    tables = [name for name in registry.table_outputs(tier)
              if present is None or name in present]
    return ([anchor("table", name) for name in tables]
            + [anchor("figure", figure.name) for figure in registry.figures(tier, None)])


def comparison_page_items(compared: set[str] | None = None) -> list[str]:
    """The element id prefixes the comparison page must show: per section of the registry its
    forest plot(s) and, for a section with comparisons (`compared`, all when None), its table
    of comparisons, then the verdicts side by side. (Coding reliability is not compared
    between cohorts: its section has a figure saying so and no table.)"""
    sections = [section.id for section in load_registry().sections]
    return ([anchor("figure", f"comparison_{s}") for s in sections]
            + [anchor("table", f"comparison_{s}") for s in sections
               if compared is None or s in compared]
            + ["table-replication-side-by-side"])


def missing_items(view: PageView, expected: list[str], *, prefixes: bool = False) -> list[str]:
    """Expected ids that the rendered page does not have. With `prefixes`, an id that starts
    with the expected one counts (a forest plot split in parts, `figure-x_1`, for `figure-x`)."""
    return [item for item in expected
            if item not in view.ids
            and not (prefixes and any(i.startswith(item) for i in view.ids))]
