"""How a grading run treats candidate code and feedback: one typed object.

The kit passes it along explicitly (to the nbgrader configuration, to every worker);
the environment is read only at the edges: `nbgrader_config.py` reads it for plain
`nbgrader autograde`, and `mlassess` turns its flags into one of these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

UNSAFE_ENV = "MLASSESS_UNSAFE_NO_SANDBOX"
GPU_ENV = "MLASSESS_GPU"
SHOW_HIDDEN_TESTS_ENV = "MLASSESS_FEEDBACK_SHOWS_HIDDEN_TESTS"
# Threads a kernel's numeric libraries may use, set when several submissions are graded at
# once on one machine (cores // workers, as joblib caps the threads inside its workers):
# each library would otherwise start one thread per core in every kernel, and the
# kernels' threads would fight for the cores (15% more CPU for the benchmark cohort, measured).
THREADS_ENV = "MLASSESS_KERNEL_THREADS"


@dataclass(frozen=True)
class GradingOptions:
    unsafe_no_sandbox: bool = False  # run candidate code unsandboxed where no sandbox can start
    gpu: bool = False  # pass the host's NVIDIA devices into candidate sandboxes
    kernel_threads: int = 0  # cap on each kernel's numeric threads; 0: the libraries' own default
    show_hidden_tests: bool = False  # feedback shows hidden tests' source

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> GradingOptions:
        env = os.environ if env is None else env
        threads = env.get(THREADS_ENV, "")
        return cls(
            unsafe_no_sandbox=env.get(UNSAFE_ENV) == "1",
            gpu=env.get(GPU_ENV) == "1",
            kernel_threads=int(threads) if threads.isdigit() else 0,
            show_hidden_tests=env.get(SHOW_HIDDEN_TESTS_ENV) == "1",
        )
