"""What an assessment is made of: tasks as their authors wrote them, plans, and grading results."""
