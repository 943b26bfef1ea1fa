"""The one exception the recorder raises: a failure with its contract exit code."""

from __future__ import annotations

from ..contract import ExitCode


class RecorderError(Exception):
    """A failure the recorder understands; ``code`` says retryable (1x) or permanent (2x)."""

    def __init__(self, code: ExitCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.exit_class}: {self.message}"
