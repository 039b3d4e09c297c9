"""Feedback shows no rubric: the cells ShowRubricToGraders added for graders are left out of
the pages candidates receive."""

from nbgrader.preprocessors import NbGraderPreprocessor

from autograde.trust_boundary.preprocessors.show_rubric_to_graders import is_rubric


class HideRubrics(NbGraderPreprocessor):
    def preprocess(self, nb, resources):
        nb.cells = [cell for cell in nb.cells if not is_rubric(cell)]
        return nb, resources
