"""The portal's form base: every form speaks Vietnamese, WTForms' own messages included,
and every text field is cleaned at the boundary (reporting.text.clean_text)."""
from datetime import date, datetime

from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, PasswordField, StringField
from wtforms.widgets import TextInput

from .reporting.text import clean_text

REQUIRED = "Vui lòng nhập trường này."

# WTForms ships no Vietnamese catalogue: its built-in messages (a number or a date that
# does not parse, a choice that is not offered) would reach users in English.
WTFORMS_MESSAGES = {
    "This field is required.": REQUIRED,
    "Not a valid integer value.": "Vui lòng nhập một số nguyên.",
    "Not a valid decimal value.": "Vui lòng nhập một số.",
    "Not a valid float value.": "Vui lòng nhập một số.",
    "Not a valid date value.": "Ngày không hợp lệ (dd/mm/yyyy).",
    "Not a valid datetime value.": "Ngày giờ không hợp lệ.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ.",
    "Not a valid choice.": "Lựa chọn không hợp lệ.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Lựa chọn không hợp lệ.",
    "'%(value)s' is not a valid choice for this field.": "'%(value)s' không phải lựa chọn hợp lệ.",
    "'%(value)s' are not valid choices for this field.": "'%(value)s' không phải lựa chọn hợp lệ.",
    "Invalid input.": "Giá trị không hợp lệ.",
}


class VietnameseMessages:
    def gettext(self, string):
        return WTFORMS_MESSAGES.get(string, string)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


def _clean(value):
    return clean_text(value) if isinstance(value, str) else value


class Form(FlaskForm):
    """Base for the portal's forms: WTForms' own messages in Vietnamese; text fields
    (StringField, TextAreaField) cleaned of control characters before any validator runs.
    Passwords are left exactly as typed."""

    class Meta:
        def get_translations(self, form):
            return VietnameseMessages()

        def bind_field(self, form, unbound_field, options):
            kind = unbound_field.field_class
            if issubclass(kind, StringField) and not issubclass(kind, PasswordField):
                options = dict(options, filters=[_clean, *unbound_field.kwargs.get("filters", ())])
            return unbound_field.bind(form=form, **options)


def too_long(n: int):
    from wtforms.validators import Length

    return Length(max=n, message=f"Tối đa {n} ký tự.")


class DayInput(TextInput):
    """A date typed and shown dd/mm/yyyy whatever the browser's language (never
    ``<input type=date>``, which follows the browser's locale); app.js adds a picker button
    that writes the chosen day back in the same format."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        kwargs["class"] = (kwargs.get("class", "") + " day-input").strip()
        kwargs.setdefault("data-day-input", "")
        return Markup(super().__call__(field, **kwargs))


def parse_typed_day(text: str) -> date | None:
    """'19/6/2026', '19/06/2026', '19-06-2026', '19.06.2026' (and '2026-06-19', what an old
    bookmark or a browser's own picker sends) → date; None when it is not a day."""
    text = (text or "").strip()
    for pattern in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if 1900 <= day.year <= 2200:
            return day
    return None


class DayField(Field):
    """A date field parsed on the server from dd/mm/yyyy; a bad value says so in Vietnamese."""

    widget = DayInput()

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        self.data = parse_typed_day(valuelist[0])
        if self.data is None:
            raise ValueError("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy, ví dụ 19/06/2026.")
