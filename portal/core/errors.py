"""The portal's error base (defined in schemas/errors.py so warehouse/ and templates_xlsx/ share it)."""

from schemas.errors import Conflict, InvalidInput, NotFound, PortalError, Refused

__all__ = ["Conflict", "InvalidInput", "NotFound", "PortalError", "Refused"]
