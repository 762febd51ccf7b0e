"""One error hierarchy. The CLI prints ``str(error)`` on one line; ``--debug`` shows the traceback."""
from __future__ import annotations


class WasteoptError(Exception):
    """Base class of every error wasteopt raises on purpose."""

    exit_code = 1


class ScenarioError(WasteoptError):
    """A scenario (YAML or UI input) is invalid. The message names the key path and line."""


class DataError(WasteoptError):
    """Seed or user data files are invalid. The message lists every bad row found."""


class InfeasibleError(WasteoptError):
    """No plan satisfies the scenario. ``explanation`` says which demand cannot be served and why."""

    exit_code = 2

    def __init__(self, message: str, explanation=None):
        super().__init__(message)
        self.explanation = explanation


class NoPlanError(WasteoptError):
    """The solve stopped at its time limit before finding any plan; none was proven impossible either."""

    exit_code = 3


class RunExistsError(WasteoptError):
    """An output directory already holds a run and ``--force`` was not given."""


class OutputError(WasteoptError):
    """An output path that must not be written: a user's folder, a file, the root, or one another process writes."""


class RunNotFoundError(WasteoptError):
    """A run id or folder names no recorded run."""


class PdfError(WasteoptError):
    """report.pdf could not be made (no headless Chromium, it failed, or it wrote no valid PDF)."""
