"""The one error type for user mistakes.

Anything a person can fix (a bad path, a malformed config, an unknown platform)
is raised as `UserError`; the command line prints it as one block and exits
non-zero, never with a traceback. Bugs stay ordinary exceptions.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the input that the user can act on.

    `file`, `line` and `key` say where; `value` is the offending value (never a
    secret); `valid` lists what would have been accepted; `hint` says what to do.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        key: str | None = None,
        value: object | None = None,
        valid: list[str] | tuple[str, ...] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.key = key
        self.value = value
        self.valid = list(valid) if valid else None
        self.hint = hint

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        if self.key:
            # a command-line flag is an option, not a config key
            parts.append(f"option {self.key}" if self.key.startswith("-") else f"key {self.key!r}")
        return ", ".join(parts)

    def render(self) -> str:
        where = self.where()
        lines = [f"error: {where}: {self.message}" if where else f"error: {self.message}"]
        if self.value is not None:
            lines.append(f"  got: {self.value!r}")
        if self.valid:
            lines.append("  valid: " + ", ".join(self.valid))
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "key": self.key,
            "valid": self.valid,
            "hint": self.hint,
        }
