"""The one exception type that reaches the user as a single sentence.

Anything raised as :class:`UserError` is printed by the command line as one line on stderr with a
non-zero exit status; anything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A failure caused by the user's input or environment, explained in one sentence."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
