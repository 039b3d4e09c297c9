"""The sandbox candidate code runs in: bubblewrap namespaces plus resource limits.

Inside, a process sees a read-only system (the Python installation and the kit's
virtual environment, nothing else of the host's files), a private /tmp, its own
network namespace (so not even the host's loopback), its own process namespace
(everything it started dies with it), and one writable folder: a scratch copy of
the submission. Memory and processes are capped by a cgroup where the host lets
the grader create one, by rlimits otherwise; file size and CPU time by rlimits;
the scratch folder is a size-capped tmpfs when the grader runs as root.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from autograde.trust_boundary.limits import Limits

INSIDE_WORKDIR = "/submission"


class SandboxUnavailable(RuntimeError):
    """Candidate code cannot be contained here: grading refuses unless told to run unsafe."""


def _system_paths() -> list[str]:
    """What a Python kernel needs to run, read-only: the OS, the interpreter, its base installation
    and the virtual environment wherever they are (under /tmp, behind a symlinked home, a conda env),
    and package folders an environment adds through .pth files. Nothing else of the host's files:
    not the kit's repository, its tasks or the course."""
    paths = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/opt"]
    python = [sys.base_prefix, sys.prefix]
    python += [p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages")]
    paths += python + [os.path.realpath(p) for p in python] + [os.path.realpath(sys.executable)]
    chosen: list[str] = []
    for path in dict.fromkeys(os.path.abspath(p) for p in paths):
        # a path inside one already bound is there already (and a file or link cannot be bound over it)
        if os.path.exists(path) and not any(path.startswith(c.rstrip("/") + "/") for c in chosen):
            chosen.append(path)
    return chosen


class ResourceGroup:
    """A cgroup (v1 or v2) capping memory and process count for one sandbox,
    or nothing where the host does not let the grader create one."""

    def __init__(self, memory_mb: int, processes: int):
        self.name = f"mlassess-{uuid.uuid4().hex[:12]}"
        self.dirs: dict[str, Path] = {}
        memory = str(memory_mb * 1024 * 1024)
        v2 = Path("/sys/fs/cgroup/cgroup.controllers")
        try:
            if v2.is_file() and {"memory", "pids"} <= set(v2.read_text().split()):
                d = Path("/sys/fs/cgroup") / self.name
                d.mkdir()
                self.dirs["unified"] = d
                (d / "memory.max").write_text(memory)
                (d / "memory.swap.max").write_text("0")
                (d / "pids.max").write_text(str(processes))
            else:
                for controller, settings in (
                    ("memory", {"memory.limit_in_bytes": memory}),
                    ("pids", {"pids.max": str(processes)}),
                ):
                    d = Path("/sys/fs/cgroup") / controller / self.name
                    d.mkdir()
                    self.dirs[controller] = d
                    for key, value in settings.items():
                        (d / key).write_text(value)
                swap = self.dirs["memory"] / "memory.memsw.limit_in_bytes"
                if swap.exists():
                    swap.write_text(memory)
        except OSError:
            self.remove()
            self.dirs = {}

    @property
    def active(self) -> bool:
        return bool(self.dirs)

    def join_command(self) -> str:
        """Shell that moves the starting process into the group before it execs the sandbox."""
        return "; ".join(f"echo $$ > {d / 'cgroup.procs'}" for d in self.dirs.values())

    def memory_exhausted(self) -> bool:
        for d in self.dirs.values():
            for name in ("memory.events", "memory.oom_control"):
                path = d / name
                if path.is_file():
                    for line in path.read_text().splitlines():
                        key, _, value = line.partition(" ")
                        if key == "oom_kill" and int(value) > 0:
                            return True
        return False

    def kill(self) -> bool:
        """SIGKILL to every process in the group; False when it held none (or is gone)."""
        try:
            pids = {int(p) for d in self.dirs.values() for p in (d / "cgroup.procs").read_text().split()}
        except OSError:
            return False
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return bool(pids)

    def kill_all(self) -> None:
        """Kill until the group is empty (killed processes leave it once reaped)."""
        for _ in range(50):
            if not self.kill():
                return
            time.sleep(0.05)

    def remove(self) -> None:
        for d in self.dirs.values():
            try:
                self.kill_all()
                d.rmdir()
            except OSError:
                pass


class ScratchFolder:
    """The one writable place: a copy of the submission, on a size-capped tmpfs when
    the grader may mount one (root), otherwise a plain temporary folder."""

    def __init__(self, source: Path, disk_mb: int):
        self.path = Path(tempfile.mkdtemp(prefix="mlassess-scratch-"))
        self.mounted = False
        if os.geteuid() == 0 and shutil.which("mount"):
            mounted = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", f"size={disk_mb}m,mode=0755", "tmpfs", str(self.path)],
                capture_output=True,
            )
            self.mounted = mounted.returncode == 0
        shutil.copytree(source, self.path, dirs_exist_ok=True, symlinks=True)

    def remove(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
        shutil.rmtree(self.path, ignore_errors=True)


def bwrap_available() -> str | None:
    """Why no sandbox can start here, or None when one can."""
    if not shutil.which("bwrap"):
        return "bubblewrap (`bwrap`) is not installed: apt-get install bubblewrap"
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {probe.stderr.strip()}"
    return None


@cache
def _debugger_paths() -> list[str]:
    """ipykernel imports its debugger, debugpy, at every start (0.1 s of CPU per kernel,
    two kernels per submission); a graded kernel is never debugged, so the sandbox hides
    the package behind an empty folder and ipykernel starts without it."""
    spec = find_spec("debugpy")
    return [str(Path(spec.origin).parent)] if spec and spec.origin else []


def sandbox_command(
    argv: list[str],
    *,
    workdir: Path,
    binds_rw: list[Path],
    binds_ro: list[Path],
    limits: Limits,
    group: ResourceGroup,
    gpu: bool = False,
) -> list[str]:
    """The command line that runs `argv` inside the sandbox, limits applied."""
    cmd = [
        "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--uid",
        "1000",
        "--gid",
        "1000",
        "--hostname",
        "sandbox",
        "--cap-drop",
        "ALL",
    ]
    # The private /tmp first: a Python installation that lives under the host's /tmp is bound over it.
    cmd += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    for path in _system_paths():
        cmd += ["--ro-bind", path, path]
    for path in _debugger_paths():
        cmd += ["--tmpfs", path]
    if gpu:
        for device in sorted(Path("/dev").glob("nvidia*")):
            cmd += ["--dev-bind", str(device), str(device)]
    for path in binds_ro:
        cmd += ["--ro-bind", str(path), str(path)]
    for path in binds_rw:
        cmd += ["--bind", str(path), str(path)]
    cmd += ["--bind", str(workdir), INSIDE_WORKDIR, "--chdir", INSIDE_WORKDIR, "--"]
    rlimits = [
        f"--fsize={limits.file_size_mb * 1024 * 1024}",
        f"--cpu={limits.notebook_timeout_s + 30}",
        "--core=0",
        "--nofile=1024",
    ]
    if not group.active:
        # No cgroup: cap address space instead, with room for what libraries reserve but never touch
        # (torch and BLAS thread arenas); processes are capped per user (not for root).
        rlimits += [f"--as={limits.memory_mb * 1024 * 1024 * 4}", f"--nproc={limits.processes}"]
    launch = ["prlimit", *rlimits, "--", *cmd, *argv]
    if group.active:
        return ["/bin/sh", "-c", group.join_command() + '; exec "$@"', "sh", *launch]
    return launch
