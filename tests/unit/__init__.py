"""In-process tests: no subprocess, no server, no outside service (run them with `-m "not slow"`)."""
