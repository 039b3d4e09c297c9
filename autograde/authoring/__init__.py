"""For task authors: the scaffold of a new task, task validation, and the bundled sample cohort."""
