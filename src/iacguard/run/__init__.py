"""Running a check: one unit at a time, the process pool, time budgets, baseline, changes."""
