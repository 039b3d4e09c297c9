"""What makes a release folder usable by a candidate alone: how to start, how long, what is
graded (`START-HERE.md`), the environment their notebook needs pinned to the grader's versions
(`requirements.txt`: only what the notebook imports, and nothing of the grader's tools, so no
nbgrader menus appear in their JupyterLab), and visible checks that all run with Run All."""

from __future__ import annotations

import ast
import re
import sys
from importlib import metadata
from pathlib import Path

import nbformat

from autograde.assessment.task import Task

START_HERE = "START-HERE.md"
REQUIREMENTS = "requirements.txt"
# Always there: the notebook's front end and kernel. Packages whose versions change numerical results
# are pinned with whatever imports them.
FRONT_END = ("jupyterlab", "ipykernel")
NUMERIC_CORE = ("numpy", "scipy", "joblib", "threadpoolctl")
# Libraries a brief may tell candidates to use without its code importing them.
MENTIONED = {
    "scikit-learn": re.compile(r"\b(scikit-learn|sklearn)\b"),
    "torch": re.compile(r"\b(PyTorch|torch)\b"),
    "mlflow": re.compile(r"\bMLflow\b", re.IGNORECASE),
    "scipy": re.compile(r"\bscipy\b", re.IGNORECASE),
    "pandas": re.compile(r"\bpandas\b"),
}
# What else the grading environment offers, named in START-HERE.md for candidates who want it.
OFFERED = ("numpy", "pandas", "scipy", "scikit-learn", "torch", "mlflow", "matplotlib", "pyarrow")
RUN_ALL_GOES_ON = "raises-exception"  # Jupyter's cell tag: Run All continues past this cell's error


def prepare_release(task: Task, release: Path) -> None:
    notebook = release / task.notebook.name
    tag_visible_checks(notebook)
    (release / REQUIREMENTS).write_text(candidate_requirements(notebook))
    (release / START_HERE).write_text(start_here(task))


def tag_visible_checks(notebook: Path) -> None:
    """Each visible test cell is tagged so that Run All goes on past a failing check: one action
    shows every visible check's outcome (the test cells stay what the author wrote)."""
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            tags = cell.metadata.setdefault("tags", [])
            if RUN_ALL_GOES_ON not in tags:
                tags.append(RUN_ALL_GOES_ON)
    nbformat.write(nb, notebook)


def imported_modules(notebook: Path) -> set[str]:
    """Top-level names of the modules the notebook's code imports (IPython magics and shell lines skipped)."""
    found = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found


def candidate_requirements(notebook: Path) -> str:
    """What the notebook imports or its text tells the candidate to use, and the front end, at the
    versions the grader runs."""
    distributions = metadata.packages_distributions()
    names = set(FRONT_END)
    for module in imported_modules(notebook) - set(sys.stdlib_module_names):
        names.update(distributions.get(module, []))
    prose = " ".join(c.source for c in nbformat.read(notebook, as_version=4).cells if c.cell_type == "markdown")
    names.update(name for name, said in MENTIONED.items() if said.search(prose))
    if names - set(FRONT_END):
        names.update(n for n in NUMERIC_CORE if _installed(n))
    pins = sorted(f"{name}=={metadata.version(name).split('+')[0]}" for name in names if _installed(name))
    return (
        "# What this notebook needs, at the versions it is graded with.\n"
        "# Linux: pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu\n"
        "# macOS, Windows: pip install -r requirements.txt\n" + "\n".join(pins) + "\n"
    )


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def start_here(task: Task, minutes: int | None = None) -> str:
    minutes = minutes or task.time_budget_minutes
    automatic = [i for i in task.items if i.automatic]
    written = [i for i in task.items if not i.automatic]
    notebook = task.notebook.name
    offered = ", ".join(f"`{name}=={metadata.version(name).split('+')[0]}`" for name in OFFERED if _installed(name))
    return f"""# {task.name}: start here

**Time: {minutes} minutes** of work, in `{notebook}`. Read its brief first: it says what to build and
the conventions the grading relies on.

## Set up once (Python 3.11)

```bash
python3.11 -m venv ~/assessment-env      # outside this folder: you hand the folder in
source ~/assessment-env/bin/activate     # Windows: %USERPROFILE%\\assessment-env\\Scripts\\activate
pip install -r requirements.txt --extra-index-url https://download.pytorch.org/whl/cpu   # Linux
pip install -r requirements.txt      # macOS and Windows (their default PyTorch is the CPU build)
jupyter lab {notebook}
```

Everything runs on a laptop CPU; no GPU, no network access is needed, and the data files are in
this folder. `requirements.txt` pins the versions your notebook is graded with. Your code may also
use what the grading environment offers: {offered} (add the line to `requirements.txt`).

## What is graded

- {len(automatic)} automatic check(s), {sum(i.points for i in automatic):g} point(s): the test cells you
  see show the contract; hidden tests then check your functions on data you have not seen.
  **Run All** runs every visible check, even after one fails, and shows each outcome under it.
- {len(written)} written answer(s), {sum(i.points for i in written):g} point(s), read by a person:
  production judgement, in a few precise sentences.
- Warnings your code prints do not cost points. Your code is run again, from the top, in a clean
  environment: it must not depend on files outside this folder or on the order you ran cells in.

## Handing in

Save the notebook and hand in this whole folder, the notebook under its own name
(`{notebook}`), with any files you added. Do not edit or delete the test cells: the graded copy
uses the author's tests whatever the notebook says.
"""
