"""The one exception type for bad input: it names the file and the problem."""

from __future__ import annotations

from os import PathLike


class InputError(Exception):
    """Bad user input. Rendered as a single line: ``<file>: <problem>``."""

    def __init__(self, path: str | PathLike[str], problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ConfigError(ValueError):
    """A bad config value. Rendered as a single line: ``config <key>: <problem>``."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"config {key}: {problem}")
