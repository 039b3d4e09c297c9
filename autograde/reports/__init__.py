"""What people read: grades.csv and items.csv, the cohort report, candidate profiles, role scores."""
