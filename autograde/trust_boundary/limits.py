"""What one graded notebook may use: time, memory, processes, disk, output.

A task sets any of them under `limits:` in its task.yaml; the task is loaded with them
(autograde.assessment.task) and the grading step reads them through `of_task_folder`,
so there is one parser for them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

import yaml

from autograde.layout import TASK_FILE


class LimitsError(ValueError):
    """A `limits:` entry the kit cannot apply."""


@dataclass(frozen=True)
class Limits:
    """Per-notebook limits; a task overrides any of them under `limits:` in task.yaml."""

    cell_timeout_s: int = 120
    notebook_timeout_s: int = 600
    memory_mb: int = 4096
    processes: int = 256
    file_size_mb: int = 512
    disk_mb: int = 1024
    output_kb: int = 1024  # per cell; the rest is cut and the cut is said

    @classmethod
    def from_task(cls, overrides) -> Limits:
        """The defaults with a task's `limits:` mapping applied; a LimitsError names what is wrong."""
        if overrides is None:
            return cls()
        if not isinstance(overrides, dict):
            raise LimitsError("limits: expected a mapping of limit name to a whole number")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(map(str, overrides)) - known)
        if unknown:
            raise LimitsError(f"unknown limits {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        bad = [k for k, v in overrides.items() if isinstance(v, bool) or not isinstance(v, int) or v <= 0]
        if bad:
            raise LimitsError(f"limits {', '.join(sorted(bad))}: expected a whole number above 0")
        return cls(**overrides)

    @classmethod
    def of_task_folder(cls, folder: Path) -> Limits:
        """The limits a task folder's task.yaml sets (the defaults where it sets none)."""
        meta = Path(folder) / TASK_FILE
        settings = yaml.safe_load(meta.read_text()) if meta.is_file() else None
        return cls.from_task((settings or {}).get("limits") if isinstance(settings, dict) else None)
