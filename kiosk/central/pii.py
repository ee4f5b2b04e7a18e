"""Things in a text that look like personal data: a NIK, a phone number, an e-mail address.

Run on every public answer before it is saved (complaints.act "respond"): an officer who pastes the
citizen's contact details into the answer would publish them on the tracking page and the kiosks.
The check is a warning the officer must confirm, not a ban, so it errs towards finding too much.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

NIK = "nik"
PHONE = "phone"
EMAIL = "email"

# Kinds as shown to staff (msgids).
KIND_LABELS = {NIK: "NIK (ID number)", PHONE: "Phone number", EMAIL: "E-mail address"}

# The two-digit province codes a NIK starts with (Kemendagri; 92..97 are Papua's newer provinces).
PROVINCES = frozenset(
    {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53, 61, 62, 63, 64, 65,
     71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96, 97}
)

_SIXTEEN = re.compile(r"(?<!\d)(\d[\d .-]{14,22}\d)(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # NIK, PHONE or EMAIL
    start: int
    end: int
    masked: str  # what a page may show: enough to find it in the text, not the whole value

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _mask(value: str) -> str:
    keep = 3 if len(value) > 8 else 1
    return value[:keep] + "…" + value[-2:] if len(value) > 4 else "…"


def plausible_nik(digits: str) -> bool:
    """16 digits: province, regency, district, then the birth day (+40 for women), month, year, serial."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    if int(digits[:2]) not in PROVINCES or digits[2:4] == "00" or digits[4:6] == "00":
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    if day > 40:
        day -= 40
    return 1 <= day <= 31 and 1 <= month <= 12 and digits[12:] != "0000"


def find_personal_data(text: str) -> list[Finding]:
    """Every NIK, phone number and e-mail address found, in text order, without overlaps."""
    if not text:
        return []
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(kind: str, a: int, b: int) -> None:
        found.append(Finding(kind, a, b, _mask(text[a:b])))
        taken.append((a, b))

    for m in _EMAIL.finditer(text):
        add(EMAIL, m.start(), m.end())
    for m in _SIXTEEN.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if plausible_nik(digits) and free(m.start(1), m.end(1)):
            add(NIK, m.start(1), m.end(1))
    # POSSIBLE, not VALID: a number with a typo or a new prefix is still the citizen's number.
    for m in phonenumbers.PhoneNumberMatcher(text, "ID", leniency=phonenumbers.Leniency.POSSIBLE):
        if free(m.start, m.end) and len(re.sub(r"\D", "", m.raw_string)) >= 8:
            add(PHONE, m.start, m.end)
    return sorted(found, key=lambda f: f.start)
