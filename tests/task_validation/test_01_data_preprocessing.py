"""01-data-preprocessing: its reference, blank release and fixtures graded through the real path score as declared."""

from helpers import assert_task_meets_its_bar


def test_01_data_preprocessing_meets_its_bar():
    """Does 01-data-preprocessing meet the bar every task must (helpers.assert_task_meets_its_bar)?"""
    assert_task_meets_its_bar("01-data-preprocessing")
