"""Every product task under assignments/ proves its own grading through the real path.

Each task's validation is its own file under tests/task_validation/ (so that `make test`'s workers
share the long validations out, file by file); this module checks that none is missing."""

from autograde.assessment.task import discover
from helpers import REPO

VALIDATIONS = REPO / "tests" / "task_validation"


def test_every_product_task_has_its_validation():
    """Is every task under assignments/ validated by a file of tests/task_validation/, named for it?"""
    files = {p.name for p in VALIDATIONS.glob("test_*.py")}
    missing = [t.name for t in discover(REPO / "assignments") if f"test_{t.name.replace('-', '_')}.py" not in files]
    assert not missing, f"add tests/task_validation/test_<task>.py for: {', '.join(missing)}"
