"""Errors a service raises; the app factory maps them to HTTP answers."""
from __future__ import annotations


class ServiceError(Exception):
    """Base class; ``message`` is shown to the user (Vietnamese)."""

    status = 400

    def __init__(self, message: str = ""):
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    """Missing, or out of the user's scope: the two look the same from outside."""

    status = 404


class Forbidden(ServiceError):
    """In scope, but the user may not do this now (e.g. a locked report)."""

    status = 403


class Conflict(ServiceError):
    """Someone else changed it first."""

    status = 409


class Invalid(ServiceError):
    """Input a rule refuses; ``field`` names the form field the message belongs beside."""

    status = 422

    def __init__(self, message: str = "", field: str = ""):
        super().__init__(message)
        self.field = field
