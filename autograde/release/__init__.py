"""Building releases: nbgrader's release with the task's data (and a variant per candidate), the leak scan,
and what a plan adds."""
