"""The environment graders and candidates install."""

from importlib.metadata import PackageNotFoundError, version

from autograde.release.environment_file import environment_pins, lock_pins
from helpers import REPO


def test_environment_yml_pins_exactly_what_the_lock_pins():
    """Do conda users (environment.yml) and pip users (requirements.lock) get the same versions?"""
    lock, conda = lock_pins(REPO / "requirements.lock"), environment_pins(REPO / "environment.yml")
    differ = {n: (lock.get(n), conda.get(n)) for n in lock.keys() | conda.keys() if lock.get(n) != conda.get(n)}
    assert not differ, f"requirements.lock vs environment.yml disagree on: {differ}"


def test_lock_pins_the_cpu_torch_and_the_grading_stack():
    """Is every package grading results depend on pinned to an exact version?"""
    pins = lock_pins(REPO / "requirements.lock")
    assert pins["torch"] == "2.13.0"
    for name in ("nbgrader", "scikit-learn", "mlflow", "pandas", "jupyterlab", "numpy", "scipy"):
        assert pins.get(name), f"{name} is not pinned"


def test_installed_environment_matches_the_lock():
    """Does the environment the tests run in hold exactly the locked versions?"""
    wrong = {}
    for name, pinned in lock_pins(REPO / "requirements.lock").items():
        try:
            installed = version(name).split("+")[0]
        except PackageNotFoundError:
            installed = None
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert not wrong, f"locked vs installed: {wrong}"
