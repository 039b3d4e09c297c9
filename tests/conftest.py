"""Fixtures shared by the kit's tests (helpers they import live in tests/helpers.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import FIXTURE_TASKS


@pytest.fixture
def tasks_copy(tmp_path: Path) -> Path:
    """A private copy of the fixture tasks that a test may break."""
    target = tmp_path / "assignments"
    shutil.copytree(FIXTURE_TASKS, target)
    return target
