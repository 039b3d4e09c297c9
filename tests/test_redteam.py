"""The red-team suite: adversarial submissions graded in one cohort with honest ones.

Every submission under tests/redteam/ (plus a few this module builds at test time:
a huge notebook, a missing one, symlinks as the notebook) is described in
tests/redteam/expectations.yaml: its class from the threat model
(docs/THREAT_MODEL.md, "Classes of attack"), what it tries, the automatic points it may
earn, and the reasons its items may record.

The cohort is graded twice, once through `mlassess grade` and once through plain
`nbgrader autograde` run from the repository root, each in its own scratch course
with its own copy of the fixture tasks. Before grading, canaries are planted: a
random string inside the hidden-test region of the copied source notebook (so also
in the gradebook), another in a file of an honest candidate's submitted folder, a
REDTEAM-COURSE file that marks the scratch courses as the only places the attacks
may try to modify (so that they never touch a real course), and a TCP and UDP
listener on 127.0.0.1:47999 (the port is written into the attack notebooks).

Each test asserts one invariant of the threat model for one grading path, and names
the attacks that break it. Everything measured is also written to
`redteam-findings.json` in the module's temporary folder (its path is in every
failure message), so that one run tells every invariant's state even under `-x`.

The attacks are bounded so that an unprotected grader survives them: loops and
sleeps end by themselves, memory and disk use stop well before the host runs out,
forks stop at 1000, network traffic only goes to 127.0.0.1 or documentation-range
addresses, and writes outside a scratch course only create new marker files named
REDTEAM-WROTE-HERE-*, which this module removes after recording them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import yaml

from helpers import BIN, FIXTURE_TASK, FIXTURE_TASKS, REPO, render_in_chromium, run_tool

TASK = FIXTURE_TASK.name
NOTEBOOK = f"{TASK}.ipynb"
REDTEAM = Path(__file__).parent / "redteam"
EXPECTATIONS = yaml.safe_load((REDTEAM / "expectations.yaml").read_text())

PORT = 47999  # fixed: the attack notebooks carry it in their source
MARK = "REDTEAM-WROTE-HERE"  # attacks name every file they manage to write outside their scratch copy like this
GUARD = "REDTEAM-COURSE"  # the only folders whose existing files an attack may try to modify
FORGED = b"REDTEAM-FORGED-OUTPUT"  # what an attack writes into a graded notebook it manages to overwrite
GRADING_TIMEOUT_S = 900
LIMITS = {"cell_timeout_s": 10, "notebook_timeout_s": 60}  # the fixture task's limits, unless its task.yaml sets them

CLASSES = (
    "notebook tampering",
    "malformed input",
    "in-kernel interference",
    "grading-aware code",
    "reading hidden material",
    "writing where it must not",
    "escaping control",
    "resource abuse",
    "network",
    "untrusted artifacts",
    "bridge forgery",
    "leaking through feedback",
    "active content",
)
REASONS = ("", "failed", "error", "timeout", "crashed", "tampered", "missing", "ungradable")
HONEST = {
    "reference": FIXTURE_TASK / NOTEBOOK,
    "correct-alternative-sklearn": FIXTURE_TASK / "fixtures" / "correct-alternative-sklearn.ipynb",
    "correct-with-stderr-warnings": FIXTURE_TASK / "fixtures" / "correct-with-stderr-warnings.ipynb",
}
PEER = "reference"  # the honest candidate whose folder holds a canary file
PEER_FILE = "scratch-notes.txt"
PATHS = ("mlassess", "nbgrader")


def _source_items() -> tuple[dict[str, float], set[str]]:
    nb = nbformat.read(FIXTURE_TASK / NOTEBOOK, as_version=4)
    points, tests = {}, set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            points[meta["grade_id"]] = float(meta["points"])
            if not meta.get("solution"):
                tests.add(meta["grade_id"])
    return points, tests


ITEM_POINTS, TEST_ITEMS = _source_items()
MAX_SCORE = sum(ITEM_POINTS.values())


# --------------------------------------------------------------------------------------------
# submissions the harness shapes at test time

SWALLOW_INSTALL = '''\
"""Red team: installs an input transformer that wraps every later cell in try/except."""


def _redteam_swallow(lines):
    body = [line if line.endswith("\\n") else line + "\\n" for line in lines]
    return ["try:\\n", *("    " + line for line in body), "    pass\\n", "except BaseException:\\n", "    pass\\n"]


try:
    from IPython import get_ipython as _redteam_get_ipython

    _redteam_shell = _redteam_get_ipython()
    if _redteam_shell is not None:
        _redteam_shell.input_transformers_post.append(_redteam_swallow)
except Exception:
    pass
'''

SHADOW_NUMPY = '''\
"""Red team: a module named like numpy in the submission folder, found first on sys.path.
It cheats, then hands over the real numpy."""
import importlib
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
_saved = list(sys.path)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]
del sys.modules[__name__]
try:
    _real = importlib.import_module("numpy")
finally:
    sys.path[:] = _saved
sys.modules[__name__] = _real
_real.allclose = lambda *args, **kwargs: True
exec(open(os.path.join(_here, "redteam_startup.py")).read())
'''

KERNEL_CONFIG = 'c.InteractiveShellApp.exec_files = ["redteam_startup.py"]\n'

EXTRA_FILES = {
    "numpy.py": SHADOW_NUMPY,
    "redteam_startup.py": SWALLOW_INSTALL,
    ".ipython/profile_default/startup/00-redteam.py": SWALLOW_INSTALL,
    ".ipython/profile_default/ipython_kernel_config.py": KERNEL_CONFIG,
    "ipython_kernel_config.py": KERNEL_CONFIG,
    "ipython_config.py": KERNEL_CONFIG,
}


def _stage_renamed(folder: Path, name: str, ctx: Phase) -> None:
    (folder / NOTEBOOK).unlink()
    shutil.copyfile(REDTEAM / f"{name}.ipynb", folder / "final-answer.ipynb")


def _stage_symlinks(folder: Path, name: str, ctx: Phase) -> None:
    shutil.copyfile(REDTEAM / f"{name}.ipynb", folder / NOTEBOOK)
    links = {
        "peer-notes.txt": f"../../{PEER}/{TASK}/{PEER_FILE}",  # relative: submitted/<me>/<task>/ -> a peer's file
        "gradebook.db": "../../../gradebook.db",
        "source-notebook.ipynb": str(ctx.assignments / TASK / NOTEBOOK),
        "passwd.txt": "/etc/passwd",
        "peers": "../..",
    }
    for link, target in links.items():
        os.symlink(target, folder / link)


def _stage_extra_files(folder: Path, name: str, ctx: Phase) -> None:
    shutil.copyfile(REDTEAM / f"{name}.ipynb", folder / NOTEBOOK)
    for relative, text in EXTRA_FILES.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)


def _stage_huge(folder: Path, name: str, ctx: Phase) -> None:
    nb = json.loads((ctx.course / "release" / TASK / NOTEBOOK).read_text())
    nb["cells"].append({"cell_type": "raw", "id": "redteam-huge", "metadata": {}, "source": "x" * (100 << 20)})
    with open(folder / NOTEBOOK, "w") as f:
        json.dump(nb, f)


def _stage_missing(folder: Path, name: str, ctx: Phase) -> None:
    (folder / NOTEBOOK).unlink()


def _stage_symlink_to(target: str):
    def stage(folder: Path, name: str, ctx: Phase) -> None:
        (folder / NOTEBOOK).unlink()
        os.symlink(target, folder / NOTEBOOK)

    return stage


def _stage_special_files(folder: Path, name: str, ctx: Phase) -> None:
    shutil.copyfile(REDTEAM / f"{name}.ipynb", folder / NOTEBOOK)
    os.symlink("/dev/zero", folder / "zeros.bin")
    os.symlink("/dev/urandom", folder / "data" / "random.csv")
    os.symlink("/", folder / "root-folder")
    os.mkfifo(folder / "pipe.csv")
    with open(folder / "over-the-cap.bin", "wb") as f:
        f.truncate((128 << 20) + 1)  # sparse: costs no disk


STAGING = {
    "special-files-in-submission": _stage_special_files,
    "renamed-notebook": _stage_renamed,
    "read-symlinked-files": _stage_symlinks,
    "extra-files-shadow-numpy-and-startup-hooks": _stage_extra_files,
    "huge-notebook": _stage_huge,
    "missing-notebook": _stage_missing,
    "symlink-notebook-to-etc-passwd": _stage_symlink_to("/etc/passwd"),
    "symlink-notebook-to-gradebook": _stage_symlink_to("../../../gradebook.db"),
}


def _attacks_of(threat: str) -> list[str]:
    return sorted(n for n, e in EXPECTATIONS.items() if e["class"] == threat)


# --------------------------------------------------------------------------------------------
# observation helpers


class Listener:
    """TCP and UDP on 127.0.0.1:PORT; records who connected, when, and what they sent."""

    def __init__(self):
        self.events: list[dict] = []
        self.phase = "setup"
        self.stop = threading.Event()
        self.tcp = socket.socket()
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.tcp.bind(("127.0.0.1", PORT))
            self.udp.bind(("127.0.0.1", PORT))
        except OSError as exc:
            pytest.fail(f"the red-team listener cannot bind 127.0.0.1:{PORT} ({exc}); free the port and run again")
        self.tcp.listen(64)
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.threads = [
            threading.Thread(target=self._accept, daemon=True),
            threading.Thread(target=self._receive, daemon=True),
        ]
        for t in self.threads:
            t.start()

    def _record(self, proto: str, peer, data: bytes) -> None:
        self.events.append(
            {"phase": self.phase, "proto": proto, "peer": str(peer), "data": data[:65536].decode(errors="replace")}
        )

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, peer = self.tcp.accept()
            except OSError:
                continue
            data = b""
            try:
                conn.settimeout(1)
                while len(data) < 65536:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            finally:
                conn.close()
            self._record("tcp", peer, data)

    def _receive(self):
        while not self.stop.is_set():
            try:
                data, peer = self.udp.recvfrom(65536)
            except OSError:
                continue
            self._record("udp", peer, data)

    def close(self):
        self.stop.set()
        for t in self.threads:
            t.join(5)
        self.tcp.close()
        self.udp.close()


def _tree_digest(root: Path) -> dict[str, str]:
    """Every file, symlink and folder under `root`, with a digest of its content (symlinks are not followed)."""
    digest = {}
    if not root.exists():
        return digest
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            if path.is_symlink():
                digest[rel] = "symlink -> " + os.readlink(path)
            elif path.is_dir():
                digest[rel] = "folder"
            elif path.is_fifo():
                digest[rel] = "fifo"
            else:
                h = hashlib.sha256()
                with open(path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
                digest[rel] = h.hexdigest()
    return digest


def _digest_changes(before: dict[str, str], after: dict[str, str]) -> list[str]:
    changes = [f"changed {p}" for p in sorted(before) if p in after and before[p] != after[p]]
    changes += [f"removed {p}" for p in sorted(set(before) - set(after))]
    changes += [f"added {p}" for p in sorted(set(after) - set(before))]
    return changes


def _find_markers(roots: list[Path], maxdepth: int | None, exclude: list[Path]) -> set[str]:
    """Files whose name starts with MARK under `roots` (to `maxdepth` levels), outside `exclude`."""
    found = set()
    excluded = {str(p) for p in exclude}
    for root in roots:
        if not root.is_dir():
            continue
        base = len(root.parts)
        for folder, dirs, files in os.walk(root):
            here = Path(folder)
            dirs[:] = [
                d
                for d in dirs
                if str(here / d) not in excluded
                and not d.startswith("mlassess-scratch-")
                and d not in (".git",)
                and not (maxdepth is not None and len(here.parts) - base >= maxdepth)
            ]
            found |= {str(here / n) for n in files + dirs if n.startswith(MARK)}
    return found


def _redteam_processes() -> dict[int, str]:
    """Live (not zombie) processes an attack started: named redteam-* or carrying REDTEAM-DAEMON in their command."""
    found = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            comm, state = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2]
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if state != "Z" and (comm.startswith("redteam") or "REDTEAM-DAEMON" in cmdline):
            found[int(proc.name)] = f"{comm}: {cmdline[:120]}"
    return found


def _git_status() -> set[str]:
    out = subprocess.run(
        ["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return set(out.stdout.splitlines())


def _canary_hits(path: Path, canaries: dict[str, str], trusted_lines: set[str], skip: set[str]) -> list[str]:
    """Which canaries (label -> string) appear in `path`, not counting the restored test-cell sources and the
    traceback frames of test cells (which show the test's own source) of a graded notebook."""
    try:
        if path.stat().st_size > (400 << 20):
            return []
        raw = path.read_bytes()
    except OSError:
        return []
    present = [label for label, text in canaries.items() if label not in skip and text.encode() in raw]
    if not present or path.suffix != ".ipynb":
        return present
    try:
        nb = json.loads(raw)
        parts = [json.dumps(nb.get("metadata", {}))]
        for cell in nb.get("cells", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            is_test = grade_id in TEST_ITEMS
            if not (is_test and set(source.splitlines()) <= trusted_lines):
                parts.append(source)
            for output in cell.get("outputs", []):
                if is_test and output.get("output_type") == "error":
                    parts.append(f"{output.get('ename')}: {output.get('evalue')}")
                else:
                    parts.append(json.dumps(output))
            parts.append(json.dumps(cell.get("metadata", {})))
        text = "\n".join(parts)
    except (ValueError, AttributeError, TypeError):
        return present
    return [label for label in present if canaries[label] in text]


# --------------------------------------------------------------------------------------------
# one graded cohort


@dataclass
class Phase:
    name: str
    root: Path
    candidates: list[str]
    canaries: dict[str, str] = field(default_factory=dict)
    returncode: int | None = None
    timed_out: bool = False
    elapsed_s: float = 0.0
    stdout: str = ""
    stderr: str = ""
    grades: dict[str, dict] = field(default_factory=dict)
    items: dict[str, dict[str, dict]] = field(default_factory=dict)
    items_csv: bool = False
    gradebook: dict[str, dict] = field(default_factory=dict)
    gradebook_error: str = ""
    changes: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    forged: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    connections: list[dict] = field(default_factory=list)
    survivors: list[str] = field(default_factory=list)

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def assignments(self) -> Path:
        return self.root / "assignments"

    def env(self) -> dict[str, str]:
        return {"MLASSESS_COURSE": str(self.course), "MLASSESS_ASSIGNMENTS": str(self.assignments)}

    def summary(self) -> dict:
        keep = (
            "name",
            "returncode",
            "timed_out",
            "elapsed_s",
            "grades",
            "items",
            "items_csv",
            "gradebook",
            "gradebook_error",
            "changes",
            "markers",
            "forged",
            "leaks",
            "connections",
            "survivors",
        )
        out = {k: getattr(self, k) for k in keep}
        out["stderr_tail"] = self.stderr[-4000:]
        return out


def _prepare_assignments(phase: Phase) -> None:
    """A private copy of the fixture tasks: canary in the hidden tests, the task's limits, the guard file."""
    shutil.copytree(FIXTURE_TASKS, phase.assignments)
    source = phase.assignments / TASK / NOTEBOOK
    nb = nbformat.read(source, as_version=4)
    hidden = phase.canaries["hidden"]
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "test_uses_train_statistics":
            assert "### BEGIN HIDDEN TESTS" in cell.source
            cell.source = cell.source.replace("### BEGIN HIDDEN TESTS", f"### BEGIN HIDDEN TESTS\n# {hidden}", 1)
    nbformat.write(nb, source)
    meta_path = phase.assignments / TASK / "task.yaml"
    if "limits" not in (yaml.safe_load(meta_path.read_text()) or {}):
        meta_path.write_text(meta_path.read_text() + "limits: " + json.dumps(LIMITS) + "\n")
    (phase.assignments / GUARD).write_text("red-team scratch copy of the tasks: attacks may try to modify it\n")


def _build(phase: Phase) -> None:
    if phase.name == "nbgrader":
        built = run_tool("nbgrader", "generate_assignment", TASK, env=phase.env())
    else:
        built = run_tool("mlassess", "build", "--course", str(phase.course), "--assignments", str(phase.assignments))
    assert built.returncode == 0, f"{phase.name}: the release could not be built:\n{built.stdout}\n{built.stderr}"
    (phase.course / GUARD).write_text("red-team scratch course: attacks may try to modify it\n")


def _stage(phase: Phase, cases: list[str]) -> None:
    release = phase.course / "release" / TASK
    for candidate in [*HONEST, *cases]:
        folder = phase.course / "submitted" / candidate / TASK
        shutil.copytree(release, folder)
        if candidate in HONEST:
            shutil.copyfile(HONEST[candidate], folder / NOTEBOOK)
        elif candidate in STAGING:
            STAGING[candidate](folder, candidate, phase)
        else:
            shutil.copyfile(REDTEAM / f"{candidate}.ipynb", folder / NOTEBOOK)
    peer_file = phase.course / "submitted" / PEER / TASK / PEER_FILE
    peer_file.write_text(f"my own notes, not for anyone else: {phase.canaries['peer']}\n")


def _grade(phase: Phase) -> None:
    started = time.monotonic()
    try:
        if phase.name == "nbgrader":
            result = run_tool("nbgrader", "autograde", TASK, env=phase.env(), timeout=GRADING_TIMEOUT_S)
        else:
            result = run_tool(
                "mlassess",
                "grade",
                "--course",
                str(phase.course),
                "--assignments",
                str(phase.assignments),
                timeout=GRADING_TIMEOUT_S,
            )
        phase.returncode, phase.stdout, phase.stderr = result.returncode, result.stdout, result.stderr
    except subprocess.TimeoutExpired as exc:
        phase.timed_out = True
        phase.stdout = (
            (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        )
        phase.stderr = (
            (exc.stderr or b"").decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        )
    phase.elapsed_s = round(time.monotonic() - started, 1)


def _read_csv(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _read_results(phase: Phase) -> None:
    for row in _read_csv(phase.course / "grades.csv"):
        phase.grades[row["candidate"]] = row
    phase.items_csv = (phase.course / "items.csv").is_file()
    for row in _read_csv(phase.course / "items.csv"):
        phase.items.setdefault(row["candidate"], {})[row["item"]] = row
    try:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(f"sqlite:///{phase.course / 'gradebook.db'}") as gb:
            for candidate in phase.candidates:
                try:
                    sub = gb.find_submission(TASK, candidate)
                except MissingEntry:
                    continue
                phase.gradebook[candidate] = {
                    "score": float(sub.score or 0),
                    "max_score": float(sub.max_score or 0),
                    "items": {g.name: float(g.score or 0) for nb in sub.notebooks for g in nb.grades},
                }
    except Exception as exc:  # a gradebook an attack broke is itself a finding
        phase.gradebook_error = f"{type(exc).__name__}: {exc}"


def _scan_leaks(phase: Phase, all_canaries: dict[str, str]) -> None:
    source = nbformat.read(phase.assignments / TASK / NOTEBOOK, as_version=4)
    trusted_lines = {
        line
        for c in source.cells
        if c.metadata.get("nbgrader", {}).get("grade_id") in TEST_ITEMS
        for line in c.source.splitlines()
    }
    for candidate in phase.candidates:
        folder = phase.course / "autograded" / candidate
        skip = {f"{phase.name}/peer"} if candidate == PEER else set()
        for path in (
            sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) if folder.is_dir() else []
        ):
            for label in _canary_hits(path, all_canaries, trusted_lines, skip):
                phase.leaks.append(f"{candidate}: canary {label} in {path.relative_to(phase.course)}")
            try:
                if path.stat().st_size < (400 << 20) and FORGED in path.read_bytes():
                    phase.forged.append(f"{candidate}: forged output in {path.relative_to(phase.course)}")
            except OSError:
                pass
    for name in ("grades.csv", "items.csv", "report.html"):
        for label in _canary_hits(phase.course / name, all_canaries, set(), set()):
            phase.leaks.append(f"canary {label} in {name}")
    for stream in ("stdout", "stderr"):
        text = getattr(phase, stream)
        for label, canary in all_canaries.items():
            if canary in text:
                phase.leaks.append(f"canary {label} in the grading command's {stream}")


def _observe(phase: Phase, module: Module, before: dict[str, dict[str, str]]) -> None:
    time.sleep(6)  # longer than the 5 s a left-behind process waits before it acts
    survivors = _redteam_processes()
    phase.survivors = [f"pid {pid}: {what}" for pid, what in sorted(survivors.items()) if pid not in module.preexisting]
    for pid in survivors:
        if pid not in module.preexisting:
            try:
                os.kill(pid, signal.SIGKILL)  # started (through an attack) by this test: end it
            except OSError:
                pass

    markers = module.find_all_markers() - module.seen_markers
    module.seen_markers |= markers
    phase.markers = sorted(markers)
    new_status = {line for line in _git_status() - module.git_before if MARK in line or GUARD in line}
    phase.markers += sorted(f"git status: {line}" for line in new_status)
    for marker in markers:  # outside our temporary folder, a marker is removed once recorded
        if not marker.startswith(str(module.tmp)):
            try:
                Path(marker).unlink()
            except OSError:
                pass

    for label, root in (
        ("submitted", phase.course / "submitted"),
        ("release", phase.course / "release"),
        ("assignments", phase.assignments),
    ):
        phase.changes += [f"{label}: {c}" for c in _digest_changes(before[label], _tree_digest(root))]
    phase.connections = [e for e in module.listener.events if e["phase"] == phase.name]
    _read_results(phase)
    _scan_leaks(phase, module.canaries)


@dataclass
class Module:
    tmp: Path
    listener: Listener
    preexisting: set[int]
    git_before: set[str]
    seen_markers: set[str]
    canaries: dict[str, str] = field(default_factory=dict)
    alone: Phase | None = None
    phases: dict[str, Phase] = field(default_factory=dict)
    findings: Path | None = None

    def marker_roots(self) -> list[tuple[list[Path], int | None, list[Path]]]:
        basetemp = self.tmp.parent
        return [
            ([self.tmp], None, []),
            ([Path("/tmp"), Path("/var/tmp"), Path("/dev/shm")], 2, [basetemp]),
            ([Path.home()], 1, []),
            ([REPO], None, [REPO / ".git"]),
        ]

    def find_all_markers(self) -> set[str]:
        found = set()
        for roots, depth, exclude in self.marker_roots():
            found |= _find_markers(roots, depth, exclude)
        return found

    def where(self) -> str:
        return f"(all findings: {self.findings})"


def _new_phase(name: str, root: Path, candidates: list[str], module: Module) -> Phase:
    phase = Phase(name, root, candidates)
    phase.canaries = {
        "hidden": f"rt-canary-hidden-{name}-{secrets.token_hex(12)}",
        "peer": f"rt-canary-peer-{name}-{secrets.token_hex(12)}",
    }
    module.canaries.update({f"{name}/{k}": v for k, v in phase.canaries.items()})
    return phase


@pytest.fixture(scope="module")
def redteam(tmp_path_factory) -> Module:
    """Grade the honest candidates alone, then the whole cohort through each path; observe everything."""
    saved_path = os.environ.get("PATH", "")
    os.environ["PATH"] = f"{BIN}{os.pathsep}{saved_path}"  # nbgrader's gradebook code shells out to alembic
    tmp = tmp_path_factory.mktemp("redteam")
    module = Module(
        tmp=tmp,
        listener=Listener(),
        preexisting=set(_redteam_processes()),
        git_before=_git_status(),
        seen_markers=set(),
    )
    module.seen_markers = module.find_all_markers()
    module.findings = tmp / "redteam-findings.json"
    cases = sorted(EXPECTATIONS)
    try:
        alone = _new_phase("alone", tmp / "alone", list(HONEST), module)
        _prepare_assignments(alone)
        _build(alone)
        _stage(alone, [])
        _grade(alone)
        module.alone = alone
        _read_results(alone)

        for name in PATHS:
            phase = _new_phase(name, tmp / name, [*HONEST, *cases], module)
            _prepare_assignments(phase)
            _build(phase)
            _stage(phase, cases)
            before = {
                "submitted": _tree_digest(phase.course / "submitted"),
                "release": _tree_digest(phase.course / "release"),
                "assignments": _tree_digest(phase.assignments),
            }
            module.listener.phase = name
            _grade(phase)
            _observe(phase, module, before)
            module.listener.phase = f"after {name}"
            module.phases[name] = phase
        module.findings.write_text(
            json.dumps(
                {
                    "alone": alone.summary(),
                    **{n: p.summary() for n, p in module.phases.items()},
                    "canaries": module.canaries,
                    "listener": module.listener.events,
                },
                indent=1,
                default=str,
            )
        )
        yield module
    finally:
        module.listener.close()
        for pid in set(_redteam_processes()) - module.preexisting:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for marker in module.find_all_markers() - module.seen_markers:
            if not marker.startswith(str(tmp)):
                Path(marker).unlink(missing_ok=True)
        for big in [p for p in tmp.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_size > (50 << 20)]:
            big.unlink(missing_ok=True)  # disk-filling and giant outputs: gigabytes otherwise kept by pytest
        os.environ["PATH"] = saved_path


# --------------------------------------------------------------------------------------------
# the suite itself


def test_the_suite_covers_every_threat_class_several_ways():
    """Does every class of the threat model have several red-team submissions, each with a complete expectation?"""
    notebooks = {p.stem for p in REDTEAM.glob("*.ipynb")}
    assert len(notebooks) >= 30
    assert notebooks <= set(EXPECTATIONS), f"notebooks without an expectation: {sorted(notebooks - set(EXPECTATIONS))}"
    for name, e in EXPECTATIONS.items():
        assert e["class"] in CLASSES, f"{name}: unknown class {e['class']!r}"
        assert isinstance(e["tries"], str) and e["tries"], f"{name}: say what it tries"
        assert 0 <= e["max_points"] <= MAX_SCORE, f"{name}: max_points out of range"
        for item, allowed in (e.get("reasons") or {}).items():
            assert item in ITEM_POINTS, f"{name}: unknown item {item}"
            assert set(allowed) <= set(REASONS), f"{name}: unknown reasons {set(allowed) - set(REASONS)}"
        if e.get("generated"):
            assert name not in notebooks and name in STAGING, f"{name}: a generated case needs a staging recipe"
        else:
            assert name in notebooks, f"{name}: no notebook tests/redteam/{name}.ipynb"
        if e.get("staging"):
            assert name in STAGING, f"{name}: no staging recipe"
        assert name not in HONEST
    for threat in CLASSES:
        assert len(_attacks_of(threat)) >= 2, f"only {_attacks_of(threat)} for {threat}"


def test_red_team_notebooks_are_clean_release_shaped_submissions():
    """Is every readable red-team notebook committed clean (no outputs, stable ids), from the release's cells?"""
    source = nbformat.read(FIXTURE_TASK / NOTEBOOK, as_version=4)
    metadata = {c.id: c.metadata for c in source.cells}
    for path in sorted(REDTEAM.glob("*.ipynb")):
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:
            continue  # the malformed ones are malformed on purpose
        ids = [c.get("id") for c in nb.cells]
        assert all(ids) and len(set(ids)) == len(ids), f"{path.name}: cell ids must be present and unique"
        if path.stem != "fake-passing-outputs":
            assert all(
                not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code"
            ), f"{path.name}: commit it without outputs"
        solution = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "standardize"]
        assert len(solution) == 1 and solution[0].metadata == metadata[solution[0].id], (
            f"{path.name}: the solution cell must keep the source notebook's metadata"
        )


# --------------------------------------------------------------------------------------------
# the invariants, per grading path


@pytest.mark.parametrize("path", PATHS)
def test_grading_finishes_and_records_every_submission(redteam, path):
    """Does grading the cohort finish, without a crash or hang, with a row for every submission?"""
    phase = redteam.phases[path]
    assert not phase.timed_out, f"{path}: grading still ran after {GRADING_TIMEOUT_S} s {redteam.where()}"
    if path == "mlassess":
        assert phase.returncode == 0, (
            f"mlassess grade exited {phase.returncode}:\n{phase.stderr[-3000:]}\n{redteam.where()}"
        )
        missing = [c for c in phase.candidates if c not in phase.grades]
        assert not missing, f"no row in grades.csv for {missing} {redteam.where()}"
        assert phase.items_csv, f"mlassess grade wrote no items.csv {redteam.where()}"
        incomplete = [c for c in phase.candidates if set(phase.items.get(c, {})) != set(ITEM_POINTS)]
        assert not incomplete, f"items.csv lacks rows (one per item) for {incomplete} {redteam.where()}"
    else:
        # plain nbgrader exits 1 when any notebook failed to convert; that is its contract, not a crash
        assert phase.returncode in (0, 1), (
            f"nbgrader autograde exited {phase.returncode}:\n{phase.stderr[-3000:]}\n{redteam.where()}"
        )
        assert not phase.gradebook_error, f"the gradebook cannot be read: {phase.gradebook_error} {redteam.where()}"
        visible = [
            c
            for c in phase.candidates
            if any(p.suffix == ".ipynb" for p in (phase.course / "submitted" / c / TASK).iterdir())
        ]
        missing = [c for c in visible if c not in phase.gradebook]
        assert not missing, f"no gradebook submission for {missing} {redteam.where()}"


@pytest.mark.parametrize("threat", CLASSES)
@pytest.mark.parametrize("path", PATHS)
def test_no_attack_earns_points_it_did_not_earn(redteam, path, threat):
    """Can a submission earn points it did not earn (through any class of attack)?"""
    phase = redteam.phases[path]
    cheats = []
    for name in _attacks_of(threat):
        allowed = EXPECTATIONS[name]["max_points"]
        earned = {}
        if name in phase.grades:
            earned["grades.csv"] = float(phase.grades[name]["score"])
            if float(phase.grades[name]["max_score"]) != MAX_SCORE:
                cheats.append(
                    f"{name}: grades.csv max_score {phase.grades[name]['max_score']} instead of {MAX_SCORE:g}"
                )
        if name in phase.gradebook:
            earned["gradebook"] = phase.gradebook[name]["score"]
            if phase.gradebook[name]["max_score"] != MAX_SCORE:
                cheats.append(f"{name}: gradebook max_score {phase.gradebook[name]['max_score']:g}")
        for where, points in earned.items():
            if points > allowed + 1e-9:
                items = phase.items.get(name) or phase.gradebook.get(name, {}).get("items")
                cheats.append(
                    f"{name} ({EXPECTATIONS[name]['tries']}) earned {points:g} > {allowed} in {where}; items: {items}"
                )
    assert not cheats, f"{path}, {threat}:\n  " + "\n  ".join(cheats) + f"\n{redteam.where()}"


@pytest.mark.parametrize("path", PATHS)
def test_honest_candidates_score_as_if_graded_alone(redteam, path):
    """Is every honest candidate graded exactly as without the attackers in its cohort?"""
    phase, alone = redteam.phases[path], redteam.alone
    differences = []
    for candidate in HONEST:
        expected = alone.gradebook.get(candidate, {}).get("items")
        got = phase.gradebook.get(candidate, {}).get("items")
        if expected is None:
            differences.append(f"{candidate}: not in the gradebook when graded alone")
        elif got != expected:
            differences.append(f"{candidate}: gradebook items {got} instead of {expected}")
        if path == "mlassess":
            if phase.grades.get(candidate) != alone.grades.get(candidate):
                differences.append(
                    f"{candidate}: grades.csv row {phase.grades.get(candidate)} "
                    f"instead of {alone.grades.get(candidate)}"
                )
            if phase.items.get(candidate) != alone.items.get(candidate):
                differences.append(
                    f"{candidate}: items.csv rows {phase.items.get(candidate)} instead of {alone.items.get(candidate)}"
                )
    assert not differences, f"{path}:\n  " + "\n  ".join(differences) + f"\n{redteam.where()}"


def test_every_affected_item_records_an_expected_reason(redteam):
    """Does items.csv say why each attacked item lost its points, in the terms the expectations allow?"""
    phase = redteam.phases["mlassess"]
    assert phase.items_csv, f"mlassess grade wrote no items.csv {redteam.where()}"
    wrong = []
    for name, e in sorted(EXPECTATIONS.items()):
        for item, allowed in (e.get("reasons") or {}).items():
            row = phase.items.get(name, {}).get(item)
            if row is None:
                wrong.append(f"{name}/{item}: no row")
            elif row["reason"] not in allowed:
                wrong.append(
                    f"{name}/{item}: reason {row['reason']!r} (score {row['score']}), expected one of {allowed}"
                )
    assert not wrong, "\n  ".join(["reasons:", *wrong]) + f"\n{redteam.where()}"


@pytest.mark.parametrize("path", PATHS)
def test_nothing_hidden_leaks(redteam, path):
    """Can candidate code read hidden tests or another candidate's files and get them into the graded output,
    the reports or the grader's logs?"""
    phase = redteam.phases[path]
    network = [
        f"listener received canary {label} over {e['proto']}"
        for e in phase.connections
        for label, canary in redteam.canaries.items()
        if canary in e["data"]
    ]
    assert not phase.leaks and not network, f"{path}:\n  " + "\n  ".join(phase.leaks + network) + f"\n{redteam.where()}"


@pytest.mark.parametrize("path", PATHS)
def test_nothing_is_written_outside_the_scratch_copy(redteam, path):
    """Can candidate code create or overwrite files outside its private scratch copy (course, other candidates,
    graded output, the kit's repository, /tmp, home)?"""
    phase = redteam.phases[path]
    problems = [f"marker {m}" for m in phase.markers] + phase.forged
    assert not problems, f"{path}:\n  " + "\n  ".join(problems) + f"\n{redteam.where()}"


@pytest.mark.parametrize("path", PATHS)
def test_files_saved_before_grading_are_unchanged(redteam, path):
    """Are all submissions, the release and the task sources byte-identical after grading?"""
    phase = redteam.phases[path]
    assert not phase.changes, f"{path}:\n  " + "\n  ".join(phase.changes[:200]) + f"\n{redteam.where()}"


@pytest.mark.parametrize("path", PATHS)
def test_no_connection_reaches_the_loopback_listener(redteam, path):
    """Can candidate code open a connection or send a datagram to a service on the grader's loopback?"""
    phase = redteam.phases[path]
    seen = [f"{e['proto']} from {e['peer']}: {e['data'][:120]!r}" for e in phase.connections]
    assert not seen, (
        f"{path}: {len(seen)} connection(s) reached 127.0.0.1:{PORT}:\n  " + "\n  ".join(seen) + f"\n{redteam.where()}"
    )


@pytest.mark.parametrize("path", PATHS)
def test_no_attack_process_outlives_grading(redteam, path):
    """Is every process an attack started gone once grading ends?"""
    phase = redteam.phases[path]
    assert not phase.survivors, (
        f"{path}: still running 6 s after grading:\n  " + "\n  ".join(phase.survivors) + f"\n{redteam.where()}"
    )


ECHO = "REDTEAM-ECHO"  # what attacks print or raise with the inputs a test gave them
ACTIVE = ("active-content-in-written-answer", "active-content-in-outputs")


@pytest.mark.parametrize("path", PATHS)
def test_nothing_candidate_code_says_during_tests_reaches_its_graded_notebook_or_feedback(redteam, path):
    """Can candidate code echo what a (hidden) test passed it into its graded notebook or feedback, by
    printing it, writing it to stderr or raising with it?"""
    phase = redteam.phases[path]
    found = []
    for kind in ("autograded", "feedback"):
        for file in sorted((phase.course / kind).rglob("*")) if (phase.course / kind).is_dir() else []:
            if (
                file.is_file()
                and not file.is_symlink()
                and file.suffix in (".ipynb", ".html")
                and ECHO in file.read_text(errors="replace")
            ):
                found.append(str(file.relative_to(phase.course)))
    assert not found, (
        f"{path}: candidate output from inside tests in:\n  " + "\n  ".join(found) + f"\n{redteam.where()}"
    )


def _formgrader_page(autograded: Path) -> str:
    """The page nbgrader's formgrader serves for a graded notebook: its own exporter and template."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers

    from autograde.engine.nbgrader_config import kit_config
    from autograde.options import GradingOptions

    config = kit_config(autograded.parents[3], REPO / "assignments", GradingOptions())
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "assignment_id": TASK,
        "notebook_id": TASK,
        "submission_id": "x",
        "index": 0,
        "total": 1,
        "base_url": "",
        "student": "x",
        "last_name": None,
        "first_name": None,
        "notebook_path": "x",
    }
    html, _ = HTMLExporter(config=config).from_filename(str(autograded), resources=resources)
    return html


@pytest.mark.parametrize("name", ACTIVE)
@pytest.mark.parametrize("path", PATHS)
def test_no_candidate_script_runs_in_feedback_or_formgrader_pages(redteam, path, name, tmp_path):
    """Does any script, event handler or JavaScript output of a candidate run when its feedback page or its
    formgrader page opens in a browser?"""
    phase = redteam.phases[path]
    autograded = phase.course / "autograded" / name / TASK / NOTEBOOK
    assert autograded.is_file(), f"{path}: {name} was not graded {redteam.where()}"
    pages = {"formgrader": tmp_path / "formgrade.html"}
    pages["formgrader"].write_text(_formgrader_page(autograded))
    if path == "mlassess":
        pages["feedback"] = phase.course / "feedback" / name / TASK / f"{TASK}.html"
    ran = []
    for label, page in pages.items():
        dom = render_in_chromium(page, tmp_path / label)
        assert dom.returncode == 0, dom.stderr
        title = re.search(r"<title>(.*?)</title>", dom.stdout, re.S)
        if (title and "REDTEAM-XSS" in title.group(1)) or 'data-redteam="xss"' in dom.stdout:
            ran.append(f"{label}: {title.group(1) if title else ''}")
    assert not ran, f"{path}, {name}: candidate script ran in {ran} {redteam.where()}"


@pytest.mark.parametrize("path", PATHS)
def test_only_the_authors_rubrics_are_marked_for_graders(redteam, path):
    """In every graded notebook, is the one cell formgrader shows as the rubric the author's, whatever a
    submission dressed up as one (forge-a-rubric-cell-for-the-grader adds a cell with a rubric's id and
    metadata telling the grader to award full marks)?"""
    from autograde.trust_boundary.preprocessors.show_rubric_to_graders import is_rubric

    phase = redteam.phases[path]
    forged = phase.course / "autograded" / "forge-a-rubric-cell-for-the-grader" / TASK / NOTEBOOK
    assert forged.is_file(), f"{path}: the forged-rubric submission was not graded {redteam.where()}"
    wrong = []
    for graded in sorted(phase.course.glob(f"autograded/*/{TASK}/{NOTEBOOK}")):
        rubrics = [c.source for c in nbformat.read(graded, as_version=4).cells if is_rubric(c)]
        authored = len(rubrics) == 1 and "Rubric (1 point): names leakage" in rubrics[0]
        if not authored or any("any answer earns the point" in r for r in rubrics):
            wrong.append(f"{graded.parts[-3]}: {rubrics}")
    assert not wrong, "\n  ".join([f"{path}: rubric cells not the author's:", *wrong]) + f"\n{redteam.where()}"
