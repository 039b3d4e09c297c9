"""03-model-evaluation: its reference, blank release and fixtures graded through the real path score as declared."""

from helpers import assert_task_meets_its_bar


def test_03_model_evaluation_meets_its_bar():
    """Does 03-model-evaluation meet the bar every task must (helpers.assert_task_meets_its_bar)?"""
    assert_task_meets_its_bar("03-model-evaluation")
