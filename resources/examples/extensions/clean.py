"""Preprocessing for Airlock (data.preprocess): masks e-mail addresses and phone numbers before the model reads a text.

    allow_custom_code: true
    data:
      preprocess: clean.py:mask_contacts

Airlock calls mask_contacts(text, **args) once per row, for the training, validation and test rows, and the
model reads what it returns. `airlock config preview <config.yaml>` shows rows before and after.
"""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International or local numbers of 7+ digits, with spaces, dots, dashes or brackets between groups.
PHONE = re.compile(r"(?<!\w)(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]?\d{2,4}){2,4}(?!\w)")


def mask_contacts(text: str, email: str = "[email]", phone: str = "[phone]") -> str:
    """The text with every e-mail address replaced by `email` and every phone number by `phone`."""
    text = EMAIL.sub(email, text)
    return PHONE.sub(phone, text)
