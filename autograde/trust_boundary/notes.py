"""What the grading steps write on the cells of a graded notebook for the kit to read back.

Under `cell.metadata[NOTE_KEY]`: `tampered` (the submission altered a graded cell: see
RebuildFromRelease), `hidden_labels` (a test read grader-only labels: see
ExecuteInTwoKernels) and `rubric` (a cell for graders only: see ShowRubricToGraders).
Kept apart from the steps so that readers of graded notebooks (reports, validate) need
not import nbgrader.
"""

NOTE_KEY = "mlassess"
CANDIDATE_CELL_PREFIX = "candidate-"  # the id of a cell the candidate added
RUBRIC_CELL_PREFIX = "rubric-"  # the id of a cell holding the author's rubric, for graders only
