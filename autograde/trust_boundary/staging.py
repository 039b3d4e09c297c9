"""Submissions staged by the kit before nbgrader touches them.

nbgrader's autograde copies a submitted folder file by file, following symlinks:
a link to /dev/zero fills the grader's disk, a link to the gradebook arrives as
the gradebook. So the kit's `StagedAutograde` first copies the submitted folder
into a private staging folder, keeping only regular files (no symlinks, devices,
fifos or sockets) within per-file, total and count caps, and nbgrader reads the
staged copy. What was dropped, and why, is logged and written beside the graded
notebook (`STAGING_RECORD`).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import stat
from pathlib import Path

from nbgrader.converters import Autograde, NbGraderException

from autograde.layout import STAGED

STAGING_RECORD = "mlassess-staging.json"
MAX_FILE_BYTES = 128 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_FILES = 10_000
_CHUNK = 1024 * 1024


def stage_submission(source: Path, target: Path) -> list[str]:
    """Copies the regular files of `source` into `target` (emptied first) within the caps;
    returns what was left out, one 'path: why' each."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    dropped: list[str] = []
    total = count = 0
    for folder, dirs, files in os.walk(source, followlinks=False):
        relative = Path(folder).relative_to(source)
        for name in sorted(dirs):
            if os.path.islink(os.path.join(folder, name)):
                dirs.remove(name)
                dropped.append(f"{relative / name}: a symlink")
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            why = _copy_regular(path, target / relative / name, room=MAX_TOTAL_BYTES - total)
            if why is None and count >= MAX_FILES:
                (target / relative / name).unlink()
                why = f"more than {MAX_FILES} files"
            if why:
                dropped.append(f"{relative / name}: {why}")
            else:
                count += 1
                total += (target / relative / name).stat().st_size
    return dropped


def _copy_regular(path: Path, destination: Path, room: int) -> str | None:
    """Copies one file if it is a regular file within the caps; otherwise says why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        return "a symlink" if os.path.islink(path) else f"unreadable ({exc.strerror})"
    with os.fdopen(fd, "rb") as source:
        info = os.fstat(source.fileno())
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file (a device, fifo or socket)"
        limit = min(MAX_FILE_BYTES, room)
        if info.st_size > limit:
            return (
                f"over the {MAX_FILE_BYTES >> 20} MB file cap"
                if info.st_size > MAX_FILE_BYTES
                else f"over the {MAX_TOTAL_BYTES >> 20} MB cap for a whole submission"
            )
        destination.parent.mkdir(parents=True, exist_ok=True)
        copied = 0
        with open(destination, "wb") as out:
            while chunk := source.read(_CHUNK):
                copied += len(chunk)
                if copied > limit:  # it grew while being copied
                    break
                out.write(chunk)
        if copied > limit:
            destination.unlink()
            return "grew past its cap while being copied"
    return None


def stage_for_nbgrader_apps() -> None:
    """For nbgrader's own processes (its command line, formgrader's autograde button), which load
    the course's nbgrader_config.py: they build their converter by these module-level names, so
    they get the kit's. `mlassess` uses StagedAutograde directly (Course.run)."""
    import nbgrader.apps.api
    import nbgrader.apps.autogradeapp

    nbgrader.apps.autogradeapp.Autograde = nbgrader.apps.api.Autograde = StagedAutograde


class StagedAutograde(Autograde):
    """nbgrader's autograde, reading submissions from the kit's staged copies."""

    @property
    def _input_directory(self) -> str:
        return STAGED if self._sanitizing else self.coursedir.autograded_directory

    def init_notebooks(self) -> None:
        self._dropped: dict[str, list[str]] = {}
        submitted = self.coursedir.format_path(
            self.coursedir.submitted_directory, self.coursedir.student_id, self.coursedir.assignment_id
        )
        for folder in glob.glob(submitted):
            student, assignment = Path(folder).parent.name, Path(folder).name
            if not os.path.isdir(folder):
                continue
            staged = Path(self._format_source(assignment, student))
            dropped = stage_submission(Path(folder), staged)
            self._dropped[str(staged)] = dropped
            for line in dropped:
                self.log.warning("Staging %s/%s left out %s", student, assignment, line)
        try:
            super().init_notebooks()
        except NbGraderException:
            if not self._dropped:
                raise
            self.assignments = {}
        # A submission whose notebook was left out (a symlink, say) is still recorded, with nothing
        # graded, as nbgrader records one whose notebook cannot be read.
        for staged in self._dropped:
            self.assignments.setdefault(staged, [])

    def init_assignment(self, assignment_id: str, student_id: str) -> None:
        super().init_assignment(assignment_id, student_id)
        dropped = self._dropped.get(self._format_source(assignment_id, student_id), [])
        if dropped:
            destination = Path(self._format_dest(assignment_id, student_id))
            destination.mkdir(parents=True, exist_ok=True)
            (destination / STAGING_RECORD).write_text(json.dumps({"left_out": dropped}, indent=1) + "\n")

    def convert_notebooks(self) -> None:
        try:
            super().convert_notebooks()
        finally:
            shutil.rmtree(os.path.join(self.coursedir.root, STAGED), ignore_errors=True)
