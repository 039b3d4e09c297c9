"""04-drift-monitoring: its reference, blank release and fixtures graded through the real path score as declared."""

from helpers import assert_task_meets_its_bar


def test_04_drift_monitoring_meets_its_bar():
    """Does 04-drift-monitoring meet the bar every task must (helpers.assert_task_meets_its_bar)?"""
    assert_task_meets_its_bar("04-drift-monitoring")
