"""Where the kit finds its tasks and its course directory.

One setting moves each: the environment variables MLASSESS_COURSE and
MLASSESS_ASSIGNMENTS (or `--course` / `--assignments` on the command line).
`nbgrader_config.py` and `mlassess` read the same values, so plain
`nbgrader autograde TASK` and `mlassess grade` grade the same course.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def course_root() -> Path:
    return Path(os.environ.get("MLASSESS_COURSE", REPO_ROOT / "course")).resolve()


def assignments_root() -> Path:
    return Path(os.environ.get("MLASSESS_ASSIGNMENTS", REPO_ROOT / "assignments")).resolve()
