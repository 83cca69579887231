"""Helpers of the test suite: fixture sites, sample builders, the CLI runners, service fixtures, tool venvs."""
