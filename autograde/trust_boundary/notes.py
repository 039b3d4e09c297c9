"""What the grading steps write on the cells of a graded notebook for the kit to read back.

Under `cell.metadata[NOTE_KEY]`: `tampered` (the submission altered a graded cell: see
RebuildFromRelease) and `hidden_labels` (a test read grader-only labels: see
ExecuteInTwoKernels). Kept apart from the steps so that readers of graded notebooks
(reports, validate) need not import nbgrader.
"""

NOTE_KEY = "mlassess"
CANDIDATE_CELL_PREFIX = "candidate-"  # the id of a cell the candidate added
