"""The base form every page form derives from, and the one way a view reports a bad form.

A page that renders the form again shows each field's error beside the field (the
``field_errors`` macro); ``flash_errors(form, beside_fields=True)`` then flashes only what has
no place on the page (an expired CSRF token, a hidden field). A view that redirects instead
(the buttons and small forms on a detail page) flashes every error as "Label: message".
"""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm
from wtforms import HiddenField

EXPIRED = "The form expired or came from elsewhere. Reload the page and try again."


class BaseForm(FlaskForm):
    """Every form of the app: a CSRF token, errors reported through ``flash_errors``."""


class ActionForm(BaseForm):
    """Only the CSRF token: a button that posts (done, handle, pause, delete, acknowledge, ...)."""


def error_messages(form: FlaskForm, *, beside_fields: bool = False) -> list[str]:
    """The form's errors as sentences; with ``beside_fields``, only those the page cannot show."""
    out = []
    for name, errors in form.errors.items():
        field = getattr(form, name, None)
        if name == "csrf_token":
            out.append(EXPIRED)
        elif field is None:
            out.append(str(errors[0]))
        elif not beside_fields or isinstance(field, HiddenField):
            first = errors[0]
            # FieldList/FormField errors nest: show the first message of the first bad entry.
            while isinstance(first, (list, dict)):
                first = next(iter(first.values() if isinstance(first, dict) else first), "")
            out.append(f"{field.label.text}: {first}")
    return out


def flash_errors(form: FlaskForm, *, beside_fields: bool = False) -> None:
    """Flash what is wrong with a submitted form (see the module docstring for ``beside_fields``)."""
    for message in error_messages(form, beside_fields=beside_fields):
        flash(message, "error")
