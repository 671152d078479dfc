"""The error tree. Every message says what went wrong and how to fix it.

The CLI maps `UserInputError` to exit code 2 and `ModelError` to exit code 3; the app
shows `str(error)` in one line. Secrets are redacted before a message is built.
"""

from __future__ import annotations


class CoachError(Exception):
    """Base of every error the product raises on purpose."""

    exit_code: int = 1

    def __init__(self, problem: str, fix: str = "") -> None:
        from coach.log import redact  # local import: log imports nothing from here

        self.problem = redact(problem.strip())
        self.fix = redact(fix.strip())
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """One line: the problem, then the fix."""
        if not self.fix:
            return self.problem
        sep = "" if self.problem.endswith((".", "?", "!")) else "."
        return f"{self.problem}{sep} Fix: {self.fix}"


class UserInputError(CoachError):
    """Something the user typed or wrote (flag, file, setting) is not usable."""

    exit_code = 2


class ConfigError(UserInputError):
    """A setting from the environment or `.env` has a bad value."""


class ModelError(CoachError):
    """The model could not give a usable answer."""

    exit_code = 3
    transient: bool = False


class ModelUnavailable(ModelError):
    """The model cannot be reached, refused us, or has no recording for this request."""

    def __init__(self, problem: str, fix: str = "", *, transient: bool = False) -> None:
        super().__init__(problem, fix)
        self.transient = transient


class ModelTimeout(ModelUnavailable):
    """The model did not answer within the configured timeout."""

    def __init__(self, problem: str, fix: str = "", *, transient: bool = True) -> None:
        super().__init__(problem, fix, transient=transient)


class RecordingMissing(ModelUnavailable):
    """Replay mode found no recorded response for a request."""

    def __init__(self, key: str, caller: str, rerecord: str) -> None:
        self.key = key
        self.caller = caller
        super().__init__(
            f"No recorded model response for request {key[:16]} (caller: {caller})",
            f"re-record it with: {rerecord}",
        )


class ModelOutputInvalid(ModelError):
    """The model answered, but not in the shape we asked for."""


class StoreUnavailable(CoachError):
    """The database cannot be reached or written just now (locked, restarting, disk full)."""

    exit_code = 4


class KnowledgeStoreDamaged(StoreUnavailable):
    """The knowledge store's files cannot be read (a damaged or half-deleted folder)."""


class NotFound(UserInputError):
    """No such record for this user (also what someone gets for a record that is not theirs)."""


class AccessDenied(UserInputError):
    """The signed-in user may not do this."""
