"""05-experiment-tracking: its reference, blank release and fixtures graded through the real path score as declared."""

from helpers import assert_task_meets_its_bar


def test_05_experiment_tracking_meets_its_bar():
    """Does 05-experiment-tracking meet the bar every task must (helpers.assert_task_meets_its_bar)?"""
    assert_task_meets_its_bar("05-experiment-tracking")
