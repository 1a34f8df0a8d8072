"""The portal's form base: every form speaks Vietnamese, WTForms' own messages included,
and every text field is cleaned at the boundary (reporting.text.clean_text)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField

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
