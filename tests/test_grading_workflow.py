"""The grading workflow as a new grader meets it cold: the sandbox works wherever the kit lives,
a cohort that cannot be graded never looks graded, errors are retried, the grader can force a
regrade, and Ctrl-C stops cleanly."""

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from helpers import BIN, FIXTURE_TASK, FIXTURE_TASKS, REPO, run_tool

TASK = FIXTURE_TASK.name


def _submit(course: Path, candidate: str, notebook: Path) -> None:
    folder = course / "submitted" / candidate / TASK
    shutil.copytree(course / "release" / TASK, folder)
    shutil.copyfile(notebook, folder / f"{TASK}.ipynb")


def _built_with_reference(tmp_path: Path, assignments: Path = FIXTURE_TASKS) -> Path:
    course = tmp_path / "course"
    built = run_tool("mlassess", "build", "--course", str(course), "--assignments", str(assignments))
    assert built.returncode == 0, built.stderr
    _submit(course, "reference", assignments / TASK / f"{TASK}.ipynb")
    return course


def _kit_under_tmp(root: Path, packages_folder: str) -> Path:
    """A copy of the kit under /tmp with its own virtual environment there (the grader's packages
    reached through a .pth file, as an extended environment does): the interpreter the kernels
    run then lives where the sandbox mounts its private /tmp. Returns the copy's python."""
    kit = root / "kit"
    shutil.copytree(REPO / "autograde", kit / "autograde", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(kit / ".venv")], check=True)
    python = kit / ".venv" / "bin" / "python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())  # fmt: skip
    packages = Path(sysconfig.get_paths()["purelib"])
    if packages_folder != "site-packages":  # the same packages, in a folder no environment is known to use
        moved = root / packages_folder
        moved.symlink_to(packages, target_is_directory=True)
        packages = moved
    (site / "kit.pth").write_text(f"{kit}\n{packages}\n")
    where = subprocess.check_output([python, "-c", "import autograde; print(autograde.__file__)"], text=True,
                                    env=_without_pythonpath(), cwd=root)  # fmt: skip
    assert Path(where).parents[1] == kit
    return python


def _without_pythonpath() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _grade_with(python: Path, course: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**_without_pythonpath(), "PATH": f"{python.parent}{os.pathsep}{BIN}{os.pathsep}{os.environ['PATH']}"}
    command = [str(python), "-c", "from autograde.cli import app; app()", "grade", "--course", str(course),
               "--assignments", str(FIXTURE_TASKS), "--workers", "1", *args]  # fmt: skip
    return subprocess.run(command, cwd=course.parent, env=env, text=True, capture_output=True, timeout=timeout)


def test_a_kit_and_venv_under_tmp_grade_in_the_sandbox(tmp_path):
    """With the kit and its interpreter under /tmp (hidden by the sandbox's private /tmp unless bound),
    does a sandboxed cohort grade to full marks?"""
    python = _kit_under_tmp(tmp_path, "site-packages")
    course = _built_with_reference(tmp_path)
    result = _grade_with(python, course)
    assert result.returncode == 0, result.stderr
    record = json.loads((course / ".mlassess" / "results" / "reference" / f"{TASK}.json").read_text())
    assert record["graded"]["status"] == "graded"
    assert sum(i["score"] for i in record["graded"]["items"]) == 4  # every automatic point


def test_kernels_that_cannot_start_stop_grading_with_the_reason(tmp_path):
    """When the kernels' interpreter cannot import its packages inside the sandbox, does grading stop
    before grading anyone, exit non-zero and show the interpreter's own error?"""
    python = _kit_under_tmp(tmp_path, "packages-elsewhere")
    course = _built_with_reference(tmp_path)
    result = _grade_with(python, course)
    assert result.returncode == 1, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "does not start in the sandbox" in message and "ModuleNotFoundError" in message, message
    assert "Traceback (most recent call last)" not in result.stderr.split("sandbox:")[0]
    assert not (course / ".mlassess" / "results").exists() and not (course / "grades.csv").exists()


def test_a_cohort_with_errors_exits_non_zero_and_says_why_in_one_line(tasks_copy, tmp_path):
    """When every kernel dies (a task allowing too few processes), does `mlassess grade` exit 1 and
    end with one line counting the errors and naming the reason?"""
    task_yaml = tasks_copy / TASK / "task.yaml"
    task_yaml.write_text(task_yaml.read_text().replace("processes: 64", "processes: 2"))
    course = _built_with_reference(tmp_path, tasks_copy)
    result = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(tasks_copy))
    assert result.returncode == 1, result.stderr
    last = " ".join(result.stderr.strip().splitlines()[-3:])
    assert "1 of 1 submission(s) could not be graded" in " ".join(result.stderr.split()), result.stderr
    assert "Kernel died" in " ".join(result.stderr.split()) and "graded again" in " ".join(last.split())


def test_an_error_is_graded_again_and_force_regrades_only_what_is_named(tmp_path):
    """Is a submission whose grading ended in error graded again on the next run (not reported as
    already graded), and do --force-candidate and --force-task regrade only what they name?"""
    course = _built_with_reference(tmp_path)
    _submit(course, "blank", course / "release" / TASK / f"{TASK}.ipynb")
    grade = ("mlassess", "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS), "--workers", "1")
    assert run_tool(*grade).returncode == 0
    records = course / ".mlassess" / "results"
    reference = records / "reference" / f"{TASK}.json"
    failed = json.loads(reference.read_text())
    failed["graded"]["status"], failed["graded"]["reason"] = "error", "RuntimeError: Kernel died (machine trouble)"
    reference.write_text(json.dumps(failed))

    again = run_tool(*grade)
    assert again.returncode == 0, again.stderr
    assert json.loads(reference.read_text())["graded"]["status"] == "graded"
    assert "1 already graded" in again.stderr  # the blank release only

    stamps = {c: (records / c / f"{TASK}.json").stat().st_mtime_ns for c in ("reference", "blank")}
    forced = run_tool(*grade, "--force-candidate", "blank")
    assert forced.returncode == 0, forced.stderr
    assert (records / "blank" / f"{TASK}.json").stat().st_mtime_ns > stamps["blank"]
    assert (records / "reference" / f"{TASK}.json").stat().st_mtime_ns == stamps["reference"]
    assert run_tool(*grade, "--force-task", TASK).returncode == 0
    assert (records / "reference" / f"{TASK}.json").stat().st_mtime_ns > stamps["reference"]
    unknown = run_tool(*grade, "--force-candidate", "nobody")
    assert unknown.returncode == 2 and "nobody" in unknown.stderr


def test_ctrl_c_stops_grading_cleanly_keeps_finished_grades_and_resumes(tmp_path):
    """Does the first Ctrl-C stop a parallel run within seconds (exit 130, kernels gone, a line on
    how to resume), keep what was finished, and does the next run grade only the rest?"""
    course = _built_with_reference(tmp_path)
    for n in range(6):  # each spends its cell time limit in an endless loop
        _submit(course, f"looping-{n}", REPO / "tests" / "redteam" / "infinite-loop.ipynb")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    command = [str(BIN / "mlassess"), "grade", "--course", str(course), "--assignments", str(FIXTURE_TASKS),
               "--workers", "2"]  # fmt: skip
    grading = subprocess.Popen(command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)  # fmt: skip
    records = course / ".mlassess" / "results"
    deadline = time.monotonic() + 300
    while not list(records.glob("*/*.json")) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert list(records.glob("*/*.json")), "nothing was graded within 5 minutes"
    while not any("ipykernel" in args for args in _descendants(grading.pid).values()):
        assert time.monotonic() < deadline, "no kernel was running"
        time.sleep(0.2)
    running = _descendants(grading.pid)
    os.killpg(grading.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole process group
    started = time.monotonic()
    _, stderr = grading.communicate(timeout=60)
    assert grading.returncode == 130, stderr
    assert time.monotonic() - started < 30
    assert "run the same command again" in " ".join(stderr.split())
    kept = {p.parent.name for p in records.glob("*/*.json")}
    assert kept and len(kept) < 7
    for _ in range(20):  # the workers, their sandboxes and kernels: gone (or only waiting to be reaped)
        alive = {pid: args for pid, args in running.items() if _alive(pid)}
        if not alive:
            break
        time.sleep(0.5)
    assert not alive, f"processes of the interrupted run still running: {alive}"

    resumed = run_tool("mlassess", *command[1:], timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(kept)} already graded" in resumed.stderr
    assert {p.parent.name for p in records.glob("*/*.json")} == {"reference"} | {f"looping-{n}" for n in range(6)}


def _descendants(root: int) -> dict[int, str]:
    """Every process below `root`, with its command line."""
    table = subprocess.run(["ps", "-e", "-ww", "-o", "pid=,ppid=,args="], capture_output=True, text=True).stdout
    rows = [line.split(None, 2) for line in table.splitlines() if len(line.split(None, 2)) == 3]
    children: dict[int, list[tuple[int, str]]] = {}
    for pid, ppid, args in rows:
        children.setdefault(int(ppid), []).append((int(pid), args))
    found, todo = {}, [root]
    while todo:
        for pid, args in children.get(todo.pop(), []):
            found[pid] = args
            todo.append(pid)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_the_demo_fails_loudly_when_a_sample_misses_its_declared_outcome(tasks_copy, tmp_path):
    """If a sample's grade differs from what its task declares (here a fixture declared correct that
    is not), does `mlassess demo` name it and exit 1, rather than print a normal report?"""
    task_yaml = tasks_copy / TASK / "task.yaml"
    task_yaml.write_text(
        task_yaml.read_text().replace(
            "mistake-scaler-fitted-on-all-data.ipynb: {fails: [test_uses_train_statistics]}",
            "mistake-scaler-fitted-on-all-data.ipynb: {fails: []}",
        )
    )
    result = run_tool("mlassess", "demo", "--course", str(tmp_path / "course"), "--assignments", str(tasks_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    message = " ".join(result.stderr.split())
    assert "sample mistake-scaler-fitted-on-all-data/standardize-features: should fail []" in message
    assert "1 sample(s) did not get their declared outcome" in message


def test_the_demo_uses_its_own_course_folder():
    """Does `mlassess demo` default to course-demo/, never the grader's course/?"""
    result = run_tool("mlassess", "demo", "--help")
    assert "course-demo/" in result.stdout
