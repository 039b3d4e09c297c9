"""`make demo` and `make test` on a machine without bubblewrap: as root with apt-get they install it
(what CI does); anyone else is stopped within seconds, before the long Python install, with the one
command to run."""

import os
import shutil
import subprocess
import time

import pytest

from helpers import REPO

NOBODY = 65534


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to become another user")
@pytest.mark.parametrize("target, packages", [("demo", "bubblewrap"), ("test", "bubblewrap chromium")])
def test_make_without_the_debian_packages_stops_at_once_with_the_command(tmp_path, target, packages):
    """Run as an ordinary user on a PATH without bwrap (or chromium), does `make demo` / `make test` stop
    within seconds, before touching .venv, and print the `apt-get install` line to run?"""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("make", "sh", "dash", "bash", "id", "cat", "cksum", "cut"):
        if shutil.which(tool):
            (tools / tool).symlink_to(shutil.which(tool))
    venv = REPO / ".venv"
    before = venv.stat().st_mtime_ns if venv.exists() else None
    started = time.monotonic()
    result = subprocess.run(
        [shutil.which("setpriv"), f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
         str(tools / "make"), "-C", str(REPO), target],
        env={"PATH": str(tools), "HOME": str(tmp_path)}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode != 0
    assert time.monotonic() - started < 15
    assert f"sudo apt-get install -y {packages}" in result.stderr, result.stderr
    assert "pip" not in result.stdout + result.stderr
    assert (venv.stat().st_mtime_ns if venv.exists() else None) == before
