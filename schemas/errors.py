"""The one error base: every refusal or failure a person can act on is a `PortalError`.

It carries a Chinese `message` that is safe to show as it is (it names what and where and what to
do, never a traceback) and, where the catalogue (schemas/issues.py) has one, the issue `code`.
It lives here, at the bottom of the layers, so that warehouse/ and templates_xlsx/ can raise it
too; portal/core/errors.py re-exports it. It is mapped in one place each to the CLI's exit codes
(portal/cli/main.py: 2 for a wrong request, else 1) and to a page message (portal/ui/web.py).
Any other exception is a fault of the system: logged with its traceback, shown to nobody.
"""

from __future__ import annotations


class PortalError(Exception):
    """A refusal or failure with a Chinese `message` and, where one exists, an issue `code`.

    `usage` marks a wrong request by the caller (a name that does not exist, a malformed
    argument): the CLI exits 2 for it instead of 1. Subclasses set it for the whole class."""

    usage: bool = False

    def __init__(self, message: str, code: str | None = None, *, usage: bool | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        if usage is not None:
            self.usage = usage

    def __str__(self) -> str:
        return self.message


class Refused(PortalError):
    """The account may not do this: not signed in, a role without the grant, data outside its scope."""


class NotFound(Refused):
    """No such thing. An id outside the caller's scope is refused with this too, in the same words
    as a missing one, so ids cannot be probed."""


class Conflict(PortalError):
    """Not possible in the present state: a locked round, a decision already taken, a warehouse
    another program is holding."""


class InvalidInput(PortalError):
    """The request itself is wrong: a malformed code, a missing reason, a bad setting, a file that
    is not a workbook."""


__all__ = ["Conflict", "InvalidInput", "NotFound", "PortalError", "Refused"]
