"""Keep points for test cells that only wrote to stderr.

nbgrader scores a test cell 0 when it has any stderr output. Correct ML code
prints warnings there all the time (torch, MLflow, pandas FutureWarnings, MLflow's
INFO logging), so a test cell passes or fails on whether it raised, not on what
it printed. The text stays visible in the feedback, relabelled as stdout.
"""

from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution


class StderrIsNotFailure(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources
