"""What the kit's tests share: where things are, running the kit's commands as a user would,
and rendering a page in a real browser. Tests import it (`from helpers import ...`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
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


def render_in_chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Headless Chromium's DOM of a local page, after its scripts ran (stdout), and its errors (stderr)."""
    assert CHROMIUM, "Debian's chromium is needed (apt-get install chromium; .ci/run installs it)"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [CHROMIUM, *flags, *extra, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120
    )
