"""One error family. User mistakes are LedgersimError subclasses: the CLI
prints their message and exits 2; anything else is a bug and keeps its
traceback."""

from __future__ import annotations


class LedgersimError(Exception):
    """A mistake the user can fix; the message names the field, value and fix."""

    exit_code = 2


class ScenarioError(LedgersimError):
    """The scenario (preset, YAML config or override) is invalid.

    ``problems`` holds one line per problem so all of them are reported at once.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(
            f"invalid scenario ({len(problems)} {noun}):\n" + "\n".join(f"  - {p}" for p in problems)
        )


class DatasetError(LedgersimError):
    """A dataset directory is missing, incomplete or not what was asked for."""
