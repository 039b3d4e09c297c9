"""What candidate code can and cannot do while it is graded (real sandbox, real kernels).

Each probe is a submission whose answer cell is correct but also pokes at the
sandbox and prints what it saw; one cohort is graded through `mlassess grade`
and each test reads the probe's output from the graded notebook."""

import json
import shutil
import socket
import threading
import time

import nbformat
import pytest
import yaml

from helpers import FIXTURE_TASK, FIXTURE_TASKS, run_tool

TASK = FIXTURE_TASK.name
CORRECT = FIXTURE_TASK / "fixtures" / "correct-alternative-sklearn.ipynb"

PROBES = {
    "network": """
import json, socket
seen = {}
for host in ("127.0.0.1", "192.0.2.1"):
    try:
        socket.create_connection((host, PORT), timeout=2).close(); seen[host] = "connected"
    except OSError as exc:
        seen[host] = type(exc).__name__
print("PROBE", json.dumps(seen))
""",
    "files": """
import json, os
seen = {}
for path in SECRETS:
    try:
        with open(path, "rb") as f: f.read(1); seen[path] = "read"
    except OSError as exc:
        seen[path] = type(exc).__name__
for path in ("/usr/mlassess-probe", "/etc/mlassess-probe", "/tmp/mlassess-probe", "mlassess-probe"):
    try:
        with open(path, "w") as f: f.write("x"); seen["write " + path] = "written"
    except OSError as exc:
        seen["write " + path] = type(exc).__name__
seen["cwd"] = os.getcwd()
seen["env"] = sorted(k for k in os.environ if "NBGRADER" in k or "MLASSESS_COURSE" in k)
print("PROBE", json.dumps(seen))
""",
    "memory": """
blocks = []
for _ in range(64):
    blocks.append(bytearray(256 * 1024 * 1024))
""",
    "processes": """
import json, subprocess
children, error = [], None
try:
    for _ in range(400):
        children.append(subprocess.Popen(["sleep", "30"]))
except OSError as exc:
    error = type(exc).__name__
print("PROBE", json.dumps({"started": len(children), "error": error}))
""",
    "file_size": """
import json
try:
    with open("big.bin", "wb") as f:
        for _ in range(200):
            f.write(b"\\0" * 1024 * 1024)
    outcome = "written"
except OSError as exc:
    outcome = type(exc).__name__
print("PROBE", json.dumps({"outcome": outcome}))
""",
    "endless_cell": "while True:\n    pass\n",
    "endless_function": "def standardize(train, test):\n    while True:\n        pass\n",
    "survivor": """
import os, subprocess
subprocess.Popen(["sh", "-c", f"sleep 4; touch {MARKER}"], start_new_session=True)
""",
}


def _submission(probe: str, values: dict) -> nbformat.NotebookNode:
    nb = nbformat.read(CORRECT, as_version=4)
    assignments = "".join(f"{name} = {value!r}\n" for name, value in values.items())
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "standardize")
    answer.source = answer.source + "\n\n" + assignments + probe
    return nb


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    root = tmp_path_factory.mktemp("sandbox")
    assignments = root / "assignments"
    shutil.copytree(FIXTURE_TASKS, assignments)
    meta_path = assignments / TASK / "task.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta["limits"] = {
        "cell_timeout_s": 8,
        "notebook_timeout_s": 40,
        "memory_mb": 1024,
        "processes": 64,
        "file_size_mb": 50,
    }
    meta_path.write_text(yaml.safe_dump(meta))
    course = root / "course"
    secret_file = root / "course" / "submitted" / "honest" / TASK / "notes.txt"

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    connections = []

    def accept():
        while not stop.is_set():
            try:
                connections.append(listener.accept())
            except OSError:
                pass

    stop = threading.Event()
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()

    values = {
        "PORT": listener.getsockname()[1],
        "SECRETS": [
            str(course / "gradebook.db"),
            str(assignments / TASK / f"{TASK}.ipynb"),
            str(secret_file),
            str(FIXTURE_TASK / f"{TASK}.ipynb"),
        ],
        "MARKER": str(root / "survivor-was-here"),
    }
    assert run_tool("mlassess", "build", "--course", str(course), "--assignments", str(assignments)).returncode == 0
    release = course / "release" / TASK
    for name, probe in {**PROBES, "honest": ""}.items():
        folder = course / "submitted" / name / TASK
        shutil.copytree(release, folder)
        nbformat.write(
            _submission(probe, values) if probe else nbformat.read(CORRECT, as_version=4), folder / f"{TASK}.ipynb"
        )
    secret_file.write_text("another candidate's notes")

    started = time.monotonic()
    graded = run_tool("mlassess", "grade", "--course", str(course), "--assignments", str(assignments))
    elapsed = time.monotonic() - started
    time.sleep(5)  # longer than the survivor's sleep
    stop.set()
    thread.join()
    listener.close()
    assert graded.returncode == 0, graded.stdout + graded.stderr
    return {"course": course, "connections": connections, "values": values, "elapsed": elapsed, "root": root}


def _probe(cohort, name: str) -> dict:
    nb = nbformat.read(cohort["course"] / "autograded" / name / TASK / f"{TASK}.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    line = next(x for x in text.splitlines() if x.startswith("PROBE "))
    return json.loads(line[len("PROBE ") :])


def _items(cohort, name: str) -> dict[str, tuple[str, str]]:
    import csv

    with open(cohort["course"] / "items.csv", newline="") as f:
        return {r["item"]: (r["score"], r["reason"]) for r in csv.DictReader(f) if r["candidate"] == name}


ALL_PASS = {
    "test_load_values": ("1", ""),
    "test_standardize_shapes": ("1", ""),
    "test_uses_train_statistics": ("2", ""),
    "explain_fit_on_train": ("0", "awaiting manual grade"),
}


def test_candidate_code_reaches_no_network_not_even_the_hosts_loopback(cohort):
    """Can candidate code open a connection, to the host's loopback or anywhere else?"""
    seen = _probe(cohort, "network")
    assert "connected" not in seen.values(), seen
    assert cohort["connections"] == [], "the host's listener saw a connection"


def test_hidden_material_is_invisible_and_the_system_read_only(cohort):
    """Can candidate code read the gradebook, the source notebook or another candidate's work, or write
    outside its copy?"""
    seen = _probe(cohort, "files")
    for path in cohort["values"]["SECRETS"]:
        assert seen[path] != "read", f"candidate code read {path}"
    assert seen["write /usr/mlassess-probe"] != "written" and seen["write /etc/mlassess-probe"] != "written"
    assert seen["write mlassess-probe"] == "written", "its own scratch copy must stay writable"
    assert seen["env"] == [], "grading-revealing variables reached the candidate"
    assert not (cohort["course"] / "autograded" / "files" / TASK / "mlassess-probe").exists(), (
        "writes in the scratch copy must not land in the graded folder"
    )


def test_probing_costs_an_honest_answer_nothing(cohort):
    """Does a correct answer that also probes the sandbox keep exactly its points?"""
    assert _items(cohort, "network") == ALL_PASS
    assert _items(cohort, "files") == ALL_PASS
    assert _items(cohort, "honest") == ALL_PASS


def test_a_memory_bomb_is_stopped_and_zeroes_only_what_it_broke(cohort):
    """Does allocating far past the memory limit stop only that candidate's kernel, with the reason recorded?
    (On a loaded machine the cell time limit can stop the allocation before the memory limit does.)"""
    items = _items(cohort, "memory")
    assert {score for score, _ in items.values()} == {"0"}
    assert items["test_load_values"][1] in ("error", "crashed", "timeout")
    assert _items(cohort, "honest") == ALL_PASS


def test_process_count_is_capped(cohort):
    """Can candidate code start more processes than the task allows?"""
    seen = _probe(cohort, "processes")
    assert seen["started"] < 64 and seen["error"], seen


def test_file_size_is_capped(cohort):
    """Can candidate code write a file larger than the task allows?"""
    assert _probe(cohort, "file_size")["outcome"] != "written"


def test_an_endless_cell_is_stopped_and_what_it_defined_still_counts(cohort):
    """Does a cell that never ends get stopped at the cell limit, keeping what it had already defined?"""
    nb = nbformat.read(cohort["course"] / "autograded" / "endless_cell" / TASK / f"{TASK}.ipynb", as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "standardize")
    assert "stopped at the cell time limit" in "".join(o.get("text", "") for o in answer.outputs)
    assert _items(cohort, "endless_cell") == ALL_PASS


def test_a_function_that_never_returns_costs_only_the_items_that_call_it(cohort):
    """Does a candidate function that loops forever time out the tests calling it, and only those?"""
    items = _items(cohort, "endless_function")
    assert items["test_load_values"] == ("1", "")
    assert items["test_standardize_shapes"] == ("0", "timeout")
    assert items["test_uses_train_statistics"] == ("0", "timeout")
    assert cohort["elapsed"] < 300


def test_no_process_outlives_its_notebook(cohort):
    """Is a detached process the candidate started gone once its notebook ends?"""
    assert not (cohort["root"] / "survivor-was-here").exists()
