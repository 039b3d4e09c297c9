"""What the kit's tests share: where things are, running the kit's commands as a user would,
and rendering a page in a real browser. Tests import it (`from helpers import ...`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE_TASKS = REPO / "tests" / "fixture_tasks"
FIXTURE_TASK = FIXTURE_TASKS / "standardize-features"
BIN = Path(sys.executable).parent


def run_tool(
    *args: str, env: dict | None = None, cwd: Path = REPO, timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run a command of this virtual environment (mlassess, nbgrader...) as a user would."""
    full_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})}
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=cwd, env=full_env, text=True, capture_output=True, timeout=timeout
    )


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def chromium_flags(profile: Path) -> list[str]:
    """Headless, offline, with its own profile folder."""
    return ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"]  # fmt: skip


def wait_for_jupyter(server: subprocess.Popen, port: int, token: str, timeout: float = 90) -> None:
    """Returns once the Jupyter server started as `server` answers on `port`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
            return
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "the Jupyter server did not start"
            time.sleep(0.5)


def render_in_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Headless Chromium's DOM of a local page, after its scripts ran (stdout), and its errors (stderr)."""
    assert CHROMIUM, "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)"
    flags = chromium_flags(profile)
    return subprocess.run(
        [CHROMIUM, *flags, *extra, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )


class Browser:
    """Headless Chromium driven over the DevTools protocol: open a page, wait for it, run the page's
    own JavaScript in it (as a person's clicks and typing would trigger it), read its text."""

    def __init__(self, profile: Path):
        import websocket  # websocket-client, installed with jupyter_server

        assert CHROMIUM, "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)"
        flags = [*chromium_flags(profile), "--remote-debugging-port=0", "about:blank"]
        self.process = subprocess.Popen([CHROMIUM, *flags], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        pages = []
        while not pages and time.monotonic() < deadline:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list") as listing:
                pages = [t for t in json.load(listing) if t["type"] == "page"]
            time.sleep(0.1)
        self.socket = websocket.create_connection(pages[0]["webSocketDebuggerUrl"], timeout=60)
        self._id = 0
        self.call("Page.enable")

    def call(self, method: str, **params) -> dict:
        self._id += 1
        self.socket.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self._id:
                assert "error" not in message, message
                return message.get("result", {})

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def wait_for(self, condition: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(f"Boolean({condition})"):
            assert time.monotonic() < deadline, f"the page never satisfied: {condition}"
            time.sleep(0.2)

    def close(self) -> None:
        self.socket.close()
        self.process.kill()
        self.process.wait()


def assert_task_meets_its_bar(task: str) -> None:
    """The reference scores full marks, the blank release zero, each fixture exactly as declared, within the
    runtime budget and with nothing leaking into the release."""
    # one worker: the runtime budget is checked without the task competing with itself
    result = run_tool("mlassess", "validate", task, "--json", "--workers", "1")
    report = json.loads(result.stdout)["tasks"][0]
    assert result.returncode == 0, "\n".join(report["problems"]) or result.stderr
    assert report["reference_score"] == report["max_score"] > 0
    assert report["blank_score"] == 0 and report["leaks"] == []
    assert report["fixtures"] and all(f["ok"] for f in report["fixtures"])
