"""MLflow for candidates and graders: the kit's server, and one store per submission."""

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import nbformat
import yaml

from autograde.assessment.task import Task
from autograde.engine.course import Course
from autograde.engine.grading import grade_submission
from helpers import BIN, FIXTURE_TASK, REPO
from mlflow import MlflowClient


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_mlflow_serves_on_loopback_and_keeps_what_the_client_logs(tmp_path):
    """Does `make mlflow` start a loopback server that the MLflow client logs to and reads back?"""
    port = _free_port()
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "MLFLOW_STORE": str(tmp_path / "store")}
    server = subprocess.Popen(
        ["make", "--no-print-directory", "mlflow", f"MLFLOW_PORT={port}"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                assert server.poll() is None, "the server exited"
                assert time.monotonic() < deadline, "the server did not answer in 120 s"
                time.sleep(0.5)
        client = MlflowClient(tracking_uri=f"http://127.0.0.1:{port}")
        experiment = client.create_experiment("smoke")
        run = client.create_run(experiment)
        client.log_param(run.info.run_id, "lr", "0.1")
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            client.log_metric(run.info.run_id, "loss", loss, step=step)
        client.set_terminated(run.info.run_id)

        history = client.get_metric_history(run.info.run_id, "loss")
        assert [(m.step, m.value) for m in history] == [(0, 0.9), (1, 0.5), (2, 0.3)]
        assert client.get_run(run.info.run_id).data.params == {"lr": "0.1"}
        assert (tmp_path / "store" / "mlflow.db").is_file()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def test_each_submission_logs_to_its_own_store(tmp_path, monkeypatch, tasks_copy):
    """Does a graded submission's MLflow run land in its own store, not in the grader's?"""
    graders_store = tmp_path / "graders.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{graders_store}")
    meta_path = tasks_copy / FIXTURE_TASK.name / "task.yaml"
    meta = yaml.safe_load(meta_path.read_text())
    meta["limits"]["cell_timeout_s"] = 120  # importing MLflow and creating a store take seconds
    meta_path.write_text(yaml.safe_dump(meta))
    course = Course(tmp_path / "course", tasks_copy)
    task = Task.load(tasks_copy / FIXTURE_TASK.name)
    assert course.run("generate_assignment", task.name)["success"]

    nb = nbformat.read(FIXTURE_TASK / "fixtures" / "correct-alternative-sklearn.ipynb", as_version=4)
    nb.cells[1].source += (
        "\n\nimport mlflow\nmlflow.set_experiment('candidate-work')\n"
        "with mlflow.start_run():\n    mlflow.log_metric('accuracy', 0.9)"
    )
    folder = course.submitted_dir("tracked", task.name)
    shutil.copytree(course.release_dir(task.name), folder)
    nbformat.write(nb, folder / task.notebook.name)

    graded = grade_submission(course, task, "tracked")
    assert graded.auto_score == task.auto_max
    own = course.autograded_dir("tracked", task.name) / "mlflow.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{own}")
    runs = client.search_runs([client.get_experiment_by_name("candidate-work").experiment_id])
    assert [r.data.metrics for r in runs] == [{"accuracy": 0.9}]
    assert not graders_store.exists(), "the grader's store was touched"
    assert os.environ["MLFLOW_TRACKING_URI"] == f"sqlite:///{graders_store}", "the grader's setting is restored"
