"""Grading through nbgrader: one submission in a private scratch course, a cohort in parallel, one writer
for the gradebook and the result records."""
