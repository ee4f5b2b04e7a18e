"""Who files a report: NIK, phone, email and name as a citizen types them on a touchscreen, and masks.

Validators return the value in its one stored form (NIK as 16 digits, phone as E.164 ``+62...``,
email with a lowercase domain, name with single spaces) so that the same person typed two ways compares
equal. They raise :class:`ValidationError` without a ``field``: the caller knows where the value came
from (``identity.nik`` in a complaint, a lone field on a screen) and adds it.

Masks are for what a lobby passer-by may see over a shoulder or on a dropped receipt: enough for the
citizen to recognise their own data, not enough to reuse it (UU 27/2022: show no more than needed).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from .errors import ValidationError

# --- NIK -------------------------------------------------------------------------------------------

# Kemendagri province codes; 91..96 include the Papua provinces created in 2022.
PROVINCE_CODES: frozenset[int] = frozenset(
    [*range(11, 20), 21, *range(31, 37), *range(51, 54), *range(61, 66), *range(71, 77), 81, 82,
     *range(91, 97)]
)

# Separators people copy from a KTP photo or a form ("5271.0101.0101.0003", "5271 0101 ...").
_NIK_SEPARATORS = re.compile(r"[\s.\-]+")
_DIGITS = re.compile(r"[0-9]*")

MSG_NIK_LENGTH = "NIK must be 16 digits. You typed {count}."
MSG_NIK_DIGITS = "NIK may only contain the digits 0 to 9. Please check what you typed."
MSG_NIK_IMPLAUSIBLE = "This is not a valid NIK. Please copy the 16 digits exactly as printed on your KTP."


def validate_nik(text: str) -> str:
    """The 16 digits of a plausible NIK (separators removed).

    Layout: PP KK CC DDMMYY SSSS: province, regency, district, birth date (women add 40 to the day),
    serial. Only the structure is checked; whether the NIK exists is Dukcapil's business. A failed
    plausibility check carries ``reason`` (province, regency, district, day, month, serial) in
    ``params`` for logs; the citizen sees one message, because pointing at "digits 7-8" helps nobody.
    """
    if not isinstance(text, str):
        raise ValidationError(MSG_NIK_DIGITS)
    if len(text) == 16 and text.isascii() and text.isdigit():
        digits = text  # as stored and sent: nothing to normalise or strip
    else:
        # NFKC turns full-width digits from some IMEs into ASCII ones.
        digits = _NIK_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not _DIGITS.fullmatch(digits):
        raise ValidationError(MSG_NIK_DIGITS)
    if len(digits) != 16:
        raise ValidationError(MSG_NIK_LENGTH, count=len(digits))
    reason = _nik_implausibility(digits)
    if reason:
        raise ValidationError(MSG_NIK_IMPLAUSIBLE, reason=reason)
    return digits


def _nik_implausibility(nik: str) -> str | None:
    if int(nik[0:2]) not in PROVINCE_CODES:
        return "province"
    if nik[2:4] == "00":
        return "regency"
    if nik[4:6] == "00":
        return "district"
    day = int(nik[6:8])
    if not (1 <= day <= 31 or 41 <= day <= 71):
        return "day"
    if not 1 <= int(nik[8:10]) <= 12:
        return "month"
    if nik[12:16] == "0000":
        return "serial"
    return None


def mask_nik(nik: str) -> str:
    """``5271********0003``: region and serial stay, the birth date (the sensitive part) is hidden."""
    digits = _NIK_SEPARATORS.sub("", nik or "")
    if len(digits) < 12:
        return "*" * len(digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


# --- phone -----------------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]+")

MSG_PHONE_EMPTY = "Please type a phone number."
MSG_PHONE_CHARACTERS = (
    "A phone number may only contain digits, spaces, dashes and brackets, with + only at the start."
)
MSG_PHONE_FOREIGN = "Only Indonesian phone numbers can be used. Start with 08 or +62."
MSG_PHONE_MOBILE_SHORT = "This mobile number is too short. Please check that no digit is missing."
MSG_PHONE_MOBILE_LONG = "This mobile number is too long. Please check that no digit was typed twice."
MSG_PHONE_LANDLINE = "This landline number is not complete. Type it with the area code, for example 0370 612345."
MSG_PHONE_SHAPE = "This is not an Indonesian phone number. Type it like 0812 3456 7890 or +62 812 3456 7890."
MSG_PHONE_UNALLOCATED = "No Indonesian phone number starts like this. Please check the first digits."


def normalize_phone(text: str) -> str:
    """An Indonesian phone number in E.164 (``+6281234567890``, ``+62370612345``).

    Accepted: ``0812...``, ``812...``, ``62812...``, ``+62 812...``, ``0062...``, ``+62 (0)370 ...``,
    with spaces, dots, dashes, slashes and brackets anywhere. Mobiles (``8x``) need 9..12 digits after
    +62 (10..13 with the leading 0, as printed by the operators). A landline must start with 0 or +62,
    because without the trunk 0 an area code like 0622 is indistinguishable from the country code 62.
    A number of the right shape must also lie in an allocated range (``_allocated``).
    """
    if not isinstance(text, str):
        raise ValidationError(MSG_PHONE_SHAPE)
    compact = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))
    if not compact:
        raise ValidationError(MSG_PHONE_EMPTY)
    if not re.fullmatch(r"\+?[0-9]+", compact):
        raise ValidationError(MSG_PHONE_CHARACTERS)
    international = True
    if compact.startswith("+"):
        if not compact.startswith("+62"):
            raise ValidationError(MSG_PHONE_FOREIGN)
        national = compact[3:]
    elif compact.startswith("0062"):
        national = compact[4:]
    elif compact.startswith("00"):
        raise ValidationError(MSG_PHONE_FOREIGN)
    elif compact.startswith("62"):
        national = compact[2:]
    else:
        international = False
        national = compact.removeprefix("0")
    # "+62 (0)370 ..." is how many agencies print their numbers; that 0 is the trunk prefix.
    if international and national.startswith("0"):
        national = national[1:]
    if not national.startswith("8") and not (compact.startswith("0") or international):
        # Without 0 or +62 only a mobile is unambiguous (see the docstring).
        raise ValidationError(MSG_PHONE_SHAPE)

    if national.startswith("8"):
        # 080x are toll-free and premium service numbers: no citizen can be reached there.
        if national.startswith("80"):
            raise ValidationError(MSG_PHONE_SHAPE)
        if len(national) < 9:
            raise ValidationError(MSG_PHONE_MOBILE_SHORT)
        if len(national) > 12:
            raise ValidationError(MSG_PHONE_MOBILE_LONG)
        return _allocated("+62" + national)
    if national[:1] in ("2", "3", "4", "5", "6", "7", "9"):
        # Area code of 2..3 digits + subscriber number of 5..8 digits (021 1234 5678 is the longest).
        if 8 <= len(national) <= 10:
            return _allocated("+62" + national)
        raise ValidationError(MSG_PHONE_LANDLINE)
    raise ValidationError(MSG_PHONE_SHAPE)


def _allocated(e164: str) -> str:
    """``e164`` when it lies in a range Indonesia has given to a mobile operator or an area code.

    The shape rules above give the precise message for a typo (too short, no area code); which
    prefixes exist (no 084x mobiles, no 0701 or 0940 areas) is the numbering plan's business, and
    libphonenumber's metadata keeps it current. Imported at first use: 35 ms the app's start skips.

    The number is built, not parsed: ``e164`` is already ``+62`` and digits whose national part never
    starts with the trunk 0 (the caller strips it), which is all ``phonenumbers.parse`` would do. And
    ``number_type`` alone decides: a type other than UNKNOWN is what ``is_valid_number_for_region``
    tests for +62, whose only region is ID. Same answer (tests/test_identity.py compares both over
    every shape), a fifth of the time: this runs once per complaint on the server's ingest.
    """
    import phonenumbers

    number = phonenumbers.PhoneNumber(country_code=62, national_number=int(e164[3:]))
    if phonenumbers.number_type(number) in _citizen_lines():
        return e164
    raise ValidationError(MSG_PHONE_UNALLOCATED)


@functools.cache
def _citizen_lines() -> frozenset:
    """Lines a citizen answers: not toll-free, premium, shared-cost or VoIP service numbers."""
    from phonenumbers import PhoneNumberType as T

    return frozenset((T.MOBILE, T.FIXED_LINE, T.FIXED_LINE_OR_MOBILE))


def mask_phone(phone: str) -> str:
    """``+62812*****7890``: the operator prefix and the last four digits, which people remember."""
    phone = phone or ""
    prefix, rest = ("+62", phone[3:]) if phone.startswith("+62") else ("", phone)
    if len(rest) < 8:
        return prefix + "*" * len(rest)
    return prefix + rest[:3] + "*" * (len(rest) - 7) + rest[-4:]


# --- email -----------------------------------------------------------------------------------------

MAX_EMAIL_LEN = 254  # RFC 5321 path limit minus the angle brackets
_LOCAL_SPECIALS = set("!#$%&'*+/=?^_`{|}~-")
# ASCII-only texts (nearly every address) are checked by these in one pass, with the same answers as
# the per-character rules below (str.isalnum and str.isspace on ASCII; a test compares them for every
# ASCII character): the server checks an address per complaint it takes in.
_ASCII_SPACE = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1f ]")
_ASCII_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]*")
_ASCII_LABEL = re.compile(r"[A-Za-z0-9\-]*")

MSG_EMAIL_EMPTY = "Please type an email address."
MSG_EMAIL_SPACES = "An email address cannot contain spaces."
MSG_EMAIL_AT = "An email address needs exactly one @, for example nama@gmail.com."
MSG_EMAIL_LOCAL = (
    "The part before @ is not valid. Check for a dot at the start or end, two dots in a row, or "
    "unusual signs."
)
MSG_EMAIL_DOMAIN = "The part after @ is not valid. It should look like gmail.com or desa.go.id."
MSG_EMAIL_LONG = "This email address is too long. It can have at most {limit} characters."


def validate_email(text: str) -> str:
    """A syntactically plausible email address, domain lowercased (the local part is left as typed,
    since some servers treat it case-sensitively).

    Pragmatic, not RFC 5322: no quoted local parts, comments or IP-literal domains, which no citizen
    types and which mail gateways often refuse anyway. Unicode letters are allowed on both sides.
    """
    if not isinstance(text, str):
        raise ValidationError(MSG_EMAIL_EMPTY)
    email = unicodedata.normalize("NFC", text).strip()
    if not email:
        raise ValidationError(MSG_EMAIL_EMPTY)
    if _ASCII_SPACE.search(email) if email.isascii() else any(ch.isspace() for ch in email):
        raise ValidationError(MSG_EMAIL_SPACES)
    if email.count("@") != 1:
        raise ValidationError(MSG_EMAIL_AT)
    local, domain = email.split("@")
    domain = domain.lower().rstrip(".")  # a trailing dot is valid DNS but surprises every mail form
    email = f"{local}@{domain}"
    if len(email) > MAX_EMAIL_LEN:
        raise ValidationError(MSG_EMAIL_LONG, limit=MAX_EMAIL_LEN)
    if not _local_ok(local):
        raise ValidationError(MSG_EMAIL_LOCAL)
    if not _domain_ok(domain):
        raise ValidationError(MSG_EMAIL_DOMAIN)
    return email


def _local_ok(local: str) -> bool:
    if not 1 <= len(local) <= 64 or local[0] == "." or local[-1] == "." or ".." in local:
        return False
    if local.isascii():
        return _ASCII_LOCAL.fullmatch(local) is not None
    return _local_chars_ok(local)


def _local_chars_ok(local: str) -> bool:
    return all(ch.isalnum() or ch in _LOCAL_SPECIALS or ch == "." for ch in local)


def _domain_ok(domain: str) -> bool:
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253:
        return False
    for label in labels:
        if not 1 <= len(label) <= 63 or label[0] == "-" or label[-1] == "-":
            return False
        if not (_ASCII_LABEL.fullmatch(label) if label.isascii() else _label_chars_ok(label)):
            return False
    tld = labels[-1]
    return len(tld) >= 2 and (tld.isalpha() or tld.startswith("xn--"))


def _label_chars_ok(label: str) -> bool:
    return all(ch.isalnum() or ch == "-" for ch in label)


def mask_email(email: str) -> str:
    """``b***********o@gmail.com``: first and last letter of the mailbox, the provider in full."""
    local, at, domain = (email or "").rpartition("@")
    if not at:
        local, domain = email or "", ""
    if len(local) <= 2:
        masked = local[:1] + "*" * max(len(local) - 1, 0)
    else:
        masked = local[0] + "*" * (len(local) - 2) + local[-1]
    return f"{masked}@{domain}" if at else masked


# --- name ------------------------------------------------------------------------------------------

NAME_MIN, NAME_MAX = 2, 100
_NAME_MARKS = set(" '.,-’")  # ’ because phone keyboards type it for O'Neil-style names
# An ASCII name passes _name_chars_ok exactly when it is made of these (ASCII has no marks, and its
# letters are A-Z and a-z): one regex pass instead of a category look-up per character.
_ASCII_NAME = re.compile(r"[A-Za-z '.,\-]*")

MSG_NAME_EMPTY = "Please type your name as written on your KTP."
MSG_NAME_CHARACTERS = "A name may only contain letters, spaces and the signs . , ' -"
MSG_NAME_SHORT = "A name needs at least {min} letters."
MSG_NAME_LONG = "A name can have at most {max} characters. You typed {count}."


def _name_chars_ok(name: str) -> bool:
    for ch in name:
        if ch in _NAME_MARKS:
            continue
        category = unicodedata.category(ch)
        if category[0] == "L" or (category[0] == "M" and category != "Me"):
            continue
        return False
    return True


def validate_name(text: str) -> str:
    """A name as on a KTP: Unicode letters (with their accents), spaces and ``. , ' -``.

    Whitespace runs become one space. Single-word names (common in Indonesia: "Sukarno") are fine;
    digits are not, because they are almost always a NIK or phone typed into the wrong box.
    """
    if not isinstance(text, str):
        raise ValidationError(MSG_NAME_EMPTY)
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not name:
        raise ValidationError(MSG_NAME_EMPTY)
    if not (_ASCII_NAME.fullmatch(name) if name.isascii() else _name_chars_ok(name)):
        raise ValidationError(MSG_NAME_CHARACTERS)
    letters = sum(map(str.isalpha, name))
    if letters < NAME_MIN:
        raise ValidationError(MSG_NAME_SHORT, min=NAME_MIN)
    if len(name) > NAME_MAX:
        raise ValidationError(MSG_NAME_LONG, max=NAME_MAX, count=len(name))
    return name
