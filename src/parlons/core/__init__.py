"""The functional core: pure Python/NumPy packages, importable without Django.

Each sub-package (budgeting, sortition, opinions, analysis, qda, ...) is usable from a
notebook and from the ``parlons`` command line. An import contract (see ``pyproject.toml``,
checked by ``lint-imports`` in the test suite) forbids importing Django or the platform here.
"""
