"""The forms of the imports pages."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import ValidationError

from connectors.files import EXTENSIONS
from web.forms.base import BaseForm


class UploadForm(BaseForm):
    file = FileField(lazy_gettext("File"), validators=[FileRequired("Choose a .jsonl or .csv file.")])
    format = SelectField(lazy_gettext("Format"), choices=[("", lazy_gettext("From the file name")), ("jsonl", "JSON Lines"), ("csv", "CSV")], default=""
    )

    def validate_file(self, field: Any) -> None:
        name = (field.data.filename or "").lower() if field.data else ""
        if not self.format.data and not any(name.endswith(ext) for ext in EXTENSIONS):
            raise ValidationError(f"Name the file {', '.join(EXTENSIONS)}, or choose the format.")
