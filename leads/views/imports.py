"""Contact upload in steps: choose a file, map columns, run, read the report."""
