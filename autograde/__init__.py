"""mlassess grading engine: build releases, grade submissions, report."""
