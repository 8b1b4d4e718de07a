"""Headless Chromium for report tests: Debian's package, driven over the DevTools pipe.

The browser is Debian's ``chromium`` (installed before the tests by
tests/system_packages.py; never a browser download).  It is driven through
``--remote-debugging-pipe`` (JSON messages on file descriptors 3 and 4), so no
WebSocket client or driver package is needed.  A page is loaded from disk, its
console errors and exceptions collected, a JavaScript expression evaluated for
measurements, and a full-page screenshot saved.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import system_packages

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")


def chromium() -> str:
    """Path of Debian's chromium; fails the test, naming the package, when it is missing."""
    system_packages.require("chromium")
    return str(shutil.which("chromium"))


@dataclass
class PageResult:
    """What a page load gave: console errors/exceptions, the evaluated value, a screenshot."""

    errors: list[str] = field(default_factory=list)
    value: Any = None


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("chromium did not answer on the DevTools pipe")
            chunk = os.read(self.read_fd, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout: float = 60) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while True:
            event = self._message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return


def load(page: Path, expression: str, screenshot: Path, width: int = 1280) -> PageResult:
    """Open ``page`` (a file), evaluate ``expression`` after load, save a full-page PNG."""
    exe = chromium()
    to_browser_r, to_browser_w = os.pipe()
    from_browser_r, from_browser_w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        # The child's fd 3 reads commands, fd 4 writes replies (--remote-debugging-pipe).
        def child_fds() -> None:
            # Move both ends above 4 first: os.pipe may have returned 3 or 4 itself.
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
            for target, fd in zip((3, 4), high, strict=True):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             f"--window-size={width},900", "about:blank"],
            # Python's own descriptors are non-inheritable (PEP 446), so close_fds=False
            # passes exactly the two dup2'd ones.
            close_fds=False, preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        pipe = _Pipe(proc, to_browser_w, from_browser_r)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.send("Target.attachToTarget",
                                {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log"):
                pipe.send(f"{domain}.enable", session=session)
            pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session=session)
            pipe.wait_for("Page.loadEventFired")
            value = pipe.send("Runtime.evaluate", {"expression": expression,
                                                   "returnByValue": True}, session=session)
            shot = pipe.send("Page.captureScreenshot",
                             {"format": "png", "captureBeyondViewport": True}, session=session)
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            errors = []
            for event in pipe.events:
                params = event.get("params", {})
                if event.get("method") == "Runtime.exceptionThrown":
                    errors.append(json.dumps(params["exceptionDetails"])[:500])
                elif (event.get("method") == "Runtime.consoleAPICalled"
                      and params.get("type") in ("error", "assert")):
                    errors.append(json.dumps(params.get("args"))[:500])
                elif (event.get("method") == "Log.entryAdded"
                      and params["entry"].get("level") == "error"):
                    errors.append(params["entry"].get("text", "")[:500])
            return PageResult(errors, value.get("result", {}).get("value"))
        finally:
            with contextlib.suppress(RuntimeError, TimeoutError, OSError):
                pipe.send("Browser.close", timeout=10)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(to_browser_w)
            os.close(from_browser_r)


SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "test-screenshots"
"""Where report tests save their screenshots (git-ignored; CI keeps them as artifacts)."""

_MEASURE = """(() => {
  const size = e => { const b = e.getBoundingClientRect(); return [b.width, b.height]; };
  const grid = document.querySelector(%s);
  const failing = [...document.querySelectorAll(%s)];
  return {grid: grid ? size(grid) : null,
          figures: failing.map(e => ({alt: e.alt ?? "", size: size(e),
                                      natural: e.naturalWidth ?? 1,
                                      complete: e.complete ?? true}))};
})()"""


def check_page(page: Path, grid: str, figures: str, screenshot: str) -> dict[str, Any]:
    """Open ``page``; assert no console errors, the element ``grid`` (CSS selector) and
    every element matching ``figures`` displayed with non-zero size (images loaded and
    decoded); save the screenshot as ``SCREENSHOTS/<screenshot>``."""
    result = load(page, _MEASURE % (json.dumps(grid), json.dumps(figures)),
                  SCREENSHOTS / screenshot)
    assert result.errors == [], result.errors
    value = result.value
    assert value["grid"] and min(value["grid"]) > 0, value
    assert value["figures"], f"nothing matches {figures}"
    for img in value["figures"]:
        assert img["complete"] and img["natural"] > 0 and min(img["size"]) > 0, img
    return value
