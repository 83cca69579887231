"""The foundation every layer of :mod:`archiver` may use: configuration, errors, pure helpers.

It imports nothing of the layers above it (see ARCHITECTURE.md).
"""
