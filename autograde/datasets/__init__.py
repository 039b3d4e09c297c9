"""The data layer: simulated and bundled datasets, per-candidate variants, hidden holdouts.

Tasks name datasets in task.yaml; the build calls `release.write_task_data`. The
package itself imports nothing heavy: every grading process reads task.yaml, and
only builds need the generators (pandas, scikit-learn).
"""

DATASETS = ("churn", "churn_drift", "digits")
