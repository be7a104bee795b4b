"""Domain errors. The web layer maps them to 404 / 409 / 422 (``web/errors.py``)."""


class DomainError(Exception):
    """Base of the errors a user can act on; ``message`` is shown to them."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class InvalidInput(DomainError):
    status = 422


class PermissionDenied(DomainError):
    status = 403


class Unauthorized(DomainError):
    """The caller did not prove who it is (a missing, wrong or stale credential)."""

    status = 401
