# nbgrader reads this file when run from the repository root, so that
# `nbgrader generate_assignment TASK` and `nbgrader autograde TASK` need no flags.
# Move the course directory with MLASSESS_COURSE, the tasks with MLASSESS_ASSIGNMENTS;
# the grading options (sandbox opt-out, GPU, threads, feedback) come from their variables.
from autograde.engine.nbgrader_config import kit_config
from autograde.layout import assignments_root, course_root
from autograde.options import GradingOptions
from autograde.trust_boundary.staging import stage_for_nbgrader_apps

course_root().mkdir(parents=True, exist_ok=True)  # nbgrader chdirs into it
c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)
c.merge(kit_config(course_root(), assignments_root(), GradingOptions.from_env()))
stage_for_nbgrader_apps()  # submissions are staged (regular files within caps) before nbgrader copies them
