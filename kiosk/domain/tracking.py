"""Complaint tracking codes: made offline on the kiosk, read off a paper receipt and typed back by hand.

A code is 10 random symbols and 1 check symbol over a 31-symbol alphabet with no 0/O, 1/I/L, so what a
citizen can misread is simply not in it. The kiosk makes codes without asking the server (it is usually
offline), so they must be random enough never to collide across a province's kiosks: 10 symbols carry
log2(31**10) ~ 49.5 bits.

The check symbol makes ``sum(weight[i] * value[i]) % 31 == 0`` with weights 11, 10, ..., 1 from the left.
Because 31 is prime and every weight lies in 1..11 (non-zero mod 31):

- a single substitution a -> b at weight w changes the sum by w * (b - a); neither factor is 0 mod 31, and
  a prime modulus has no zero divisors, so the sum is no longer 0 mod 31: EVERY substitution is caught;
- swapping unequal neighbours a, b (weights w, w - 1) changes the sum by (w - (w - 1)) * (b - a) = b - a,
  again non-zero: EVERY adjacent transposition is caught (with distinct weights, any other swap as well).

A 32- or 36-symbol alphabet cannot promise this: a weight sharing a factor with the modulus lets some
errors cancel out. ``tests/test_tracking.py`` checks both claims by enumeration.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Callable

from .errors import ValidationError

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BASE = len(ALPHABET)  # 31, prime
DATA_LENGTH = 10
LENGTH = DATA_LENGTH + 1
GROUP = 4  # receipts print codes in groups of four: short enough to hold in mind while typing

_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_CANONICAL = frozenset(ALPHABET)
_WEIGHTS = tuple(range(LENGTH, 0, -1))  # 11 .. 1; the check symbol has weight 1, so it can be solved for
# What people read a missing symbol as. Named in the message, so the citizen looks again at that one.
_CONFUSABLE = frozenset("0O1IL")
# A rejection sampler asks for 5 bits and throws 31 away (1 time in 32): this many throws in a row means
# the random source is broken, and a kiosk must not hang on it.
_MAX_REJECTS = 64

MSG_CODE_NOT_TEXT = "The tracking code must be text."
MSG_CODE_EMPTY = "Please type the tracking code printed on your receipt."
MSG_CODE_CONFUSABLE = (
    "Tracking codes never contain “{char}”: there is no 0, O, 1, I or L in them. "
    "Look at that character on your receipt again."
)
MSG_CODE_BAD_CHARACTER = (
    "“{char}” is not used in tracking codes. They have only the digits 2 to 9 and the letters A to Z."
)
MSG_CODE_LENGTH = "A tracking code has {needed} characters. You typed {count}. Check it against your receipt."
MSG_CODE_MISTYPED = "This code looks mistyped. Check it against your receipt."


def _check_value(values: list[int]) -> int:
    total = sum(w * v for w, v in zip(_WEIGHTS, values))
    return -total % BASE


def generate(randbits: Callable[[int], int] = secrets.randbits) -> str:
    """A new canonical code (11 symbols, uppercase, no separators).

    ``randbits(k)`` returns a random integer of ``k`` bits (as :func:`secrets.randbits`); tests pass a
    seeded one. Values outside the alphabet are rejected rather than folded in with ``%``, which would
    make the first symbol twice as likely as the others.
    """
    values: list[int] = []
    rejects = 0
    while len(values) < DATA_LENGTH:
        v = randbits(5)
        if 0 <= v < BASE:
            values.append(v)
            rejects = 0
            continue
        rejects += 1
        if rejects > _MAX_REJECTS:
            raise RuntimeError("the random source keeps returning values outside 0..30")
    values.append(_check_value(values))
    return "".join(ALPHABET[v] for v in values)


def _is_separator(ch: str) -> bool:
    # Spaces, dots and any dash: phones and word processors turn "-" into en dashes or minus signs.
    return ch.isspace() or ch in ".\u00b7\u2212" or unicodedata.category(ch) == "Pd"


def _shown(ch: str) -> str:
    return ch if ch.isprintable() else f"U+{ord(ch):04X}"


def parse(text: str) -> str:
    """The canonical code in ``text``, as a citizen or a QR reader may type it.

    Case, spaces, dashes and dots are ignored; full-width characters (some phone keyboards) count as
    their ASCII twins. Raises :class:`ValidationError` without a ``field`` (the caller knows where the
    text came from) for: no text, a character never used (named, with a hint for 0/O/1/I/L), the wrong
    number of symbols, and a failed check symbol.
    """
    if not isinstance(text, str):
        raise ValidationError(MSG_CODE_NOT_TEXT)
    if len(text) == LENGTH and _CANONICAL.issuperset(text):
        # Already canonical (how a kiosk sends it, once per complaint on the server's ingest): the loop
        # below would keep every character as it is, so only the check symbol is left to test.
        symbols: list[str] | str = text
    else:
        symbols = _symbols(text)
    values = [_VALUE[ch] for ch in symbols]
    if sum(w * v for w, v in zip(_WEIGHTS, values)) % BASE:
        raise ValidationError(MSG_CODE_MISTYPED)
    return "".join(symbols)


def _symbols(text: str) -> list[str]:
    symbols = []
    for typed in unicodedata.normalize("NFKC", text):
        if _is_separator(typed):
            continue
        # Only ASCII is upper-cased: "ß".upper() is "SS" and "ı".upper() is "I", which would turn a
        # stray character into valid-looking symbols.
        ch = typed.upper() if typed.isascii() else typed
        if ch in _CONFUSABLE:
            raise ValidationError(MSG_CODE_CONFUSABLE, char=typed)
        if ch not in _VALUE:
            raise ValidationError(MSG_CODE_BAD_CHARACTER, char=_shown(typed))
        symbols.append(ch)
    if not symbols:
        raise ValidationError(MSG_CODE_EMPTY)
    if len(symbols) != LENGTH:
        raise ValidationError(MSG_CODE_LENGTH, needed=LENGTH, count=len(symbols))
    return symbols


def is_valid(text: str) -> bool:
    try:
        parse(text)
    except ValidationError:
        return False
    return True


def display(code: str) -> str:
    """The code as printed and shown: groups of four joined by dashes, e.g. ``K7PM-Q2HX-9R3``.

    The code is parsed first, so a receipt can never show a code the kiosk itself would reject.
    """
    code = parse(code)
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))
