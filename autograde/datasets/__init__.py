"""The data layer: simulated and bundled datasets, per-candidate variants, hidden holdouts.

Tasks call `write_task_data`; everything else is here for graders and tests.
"""

from autograde.datasets.drift import DriftEvent
from autograde.datasets.release import write_task_data
from autograde.datasets.variants import Variant

__all__ = ["DriftEvent", "Variant", "write_task_data"]
