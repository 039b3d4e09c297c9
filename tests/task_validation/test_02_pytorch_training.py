"""02-pytorch-training: its reference, blank release and fixtures graded through the real path score as declared."""

from helpers import assert_task_meets_its_bar


def test_02_pytorch_training_meets_its_bar():
    """Does 02-pytorch-training meet the bar every task must (helpers.assert_task_meets_its_bar)?"""
    assert_task_meets_its_bar("02-pytorch-training")
