"""End-to-end tests: each starts a process or a server, or needs PostgreSQL/Redis; all marked slow (see conftest)."""
