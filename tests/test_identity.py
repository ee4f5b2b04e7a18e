"""NIK, phone, email and name as citizens type them, and the masks printed on receipts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import ValidationError
from kiosk.domain.identity import (
    MSG_EMAIL_AT,
    MSG_EMAIL_DOMAIN,
    MSG_EMAIL_EMPTY,
    MSG_EMAIL_LOCAL,
    MSG_EMAIL_LONG,
    MSG_EMAIL_SPACES,
    MSG_NAME_CHARACTERS,
    MSG_NAME_EMPTY,
    MSG_NAME_LONG,
    MSG_NAME_SHORT,
    MSG_NIK_DIGITS,
    MSG_NIK_IMPLAUSIBLE,
    MSG_NIK_LENGTH,
    MSG_PHONE_CHARACTERS,
    MSG_PHONE_EMPTY,
    MSG_PHONE_FOREIGN,
    MSG_PHONE_LANDLINE,
    MSG_PHONE_MOBILE_LONG,
    MSG_PHONE_MOBILE_SHORT,
    MSG_PHONE_SHAPE,
    PROVINCE_CODES,
    mask_email,
    mask_nik,
    mask_phone,
    normalize_phone,
    validate_email,
    validate_name,
    validate_nik,
)


def fails(fn, text, msgid):
    with pytest.raises(ValidationError) as info:
        fn(text)
    assert info.value.message == msgid, info.value.message
    return info.value


def nik(prov="52", reg="71", dist="01", day="15", month="07", year="90", serial="0003") -> str:
    return prov + reg + dist + day + month + year + serial


# --- NIK -------------------------------------------------------------------------------------------


def test_province_codes_are_the_real_ones():
    expected = {11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 31, 32, 33, 34, 35, 36, 51, 52, 53,
                61, 62, 63, 64, 65, 71, 72, 73, 74, 75, 76, 81, 82, 91, 92, 93, 94, 95, 96}
    assert PROVINCE_CODES == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (nik(), "5271011507900003"),  # Kota Mataram, NTB; a man born 15-07-1990
        (nik(day="55"), "5271015507900003"),  # a woman born on the 15th: 15 + 40
        (nik(day="41"), "5271014107900003"),  # woman, 1st
        (nik(day="71"), "5271017107900003"),  # woman, 31st
        (nik(day="01"), "5271010107900003"),
        (nik(day="31"), "5271013107900003"),
        (nik(prov="11", reg="01", dist="01", month="01", serial="0001"), "1101011501900001"),  # Aceh
        (nik(prov="96", month="12", serial="9999"), "9671011512909999"),  # Papua Barat Daya
        ("3171 0115 0285 0001", "3171011502850001"),  # spaces, as read aloud
        ("3171.0115.0285.0001", "3171011502850001"),
        ("3171-0115-0285-0001", "3171011502850001"),
        ("  3171011502850001\n", "3171011502850001"),
        ("３１７１０１１５０２８５０００１", "3171011502850001"),  # full-width digits from an IME
    ],
)
def test_valid_nik(text, expected):
    assert validate_nik(text) == expected
    assert validate_nik(expected) == expected


@pytest.mark.parametrize("count", [0, 1, 15, 17, 20])
def test_nik_length_says_how_many_were_typed(count):
    err = fails(validate_nik, ("5271011507900003" * 2)[:count], MSG_NIK_LENGTH)
    assert err.params == {"count": count}
    assert f"You typed {count}." in str(err)


def test_nik_length_counts_digits_not_separators():
    err = fails(validate_nik, "5271 0115 0790 000", MSG_NIK_LENGTH)
    assert err.params["count"] == 15


@pytest.mark.parametrize("text", ["52710115O7900003", "5271011507900OO3", "NIK5271011507900003", "5271/0115/0790/0003",
                                  "+5271011507900003", "٥٢٧١٠١١٥٠٧٩٠٠٠٠٣"])
def test_nik_with_other_characters(text):
    fails(validate_nik, text, MSG_NIK_DIGITS)


@pytest.mark.parametrize(
    "text, reason",
    [
        (nik(prov="10"), "province"),
        (nik(prov="20"), "province"),
        (nik(prov="22"), "province"),
        (nik(prov="37"), "province"),
        (nik(prov="50"), "province"),
        (nik(prov="54"), "province"),
        (nik(prov="66"), "province"),
        (nik(prov="77"), "province"),
        (nik(prov="83"), "province"),
        (nik(prov="90"), "province"),
        (nik(prov="97"), "province"),
        (nik(prov="00"), "province"),
        (nik(reg="00"), "regency"),
        (nik(dist="00"), "district"),
        (nik(day="00"), "day"),
        (nik(day="32"), "day"),
        (nik(day="40"), "day"),
        (nik(day="72"), "day"),
        (nik(day="99"), "day"),
        (nik(month="00"), "month"),
        (nik(month="13"), "month"),
        (nik(serial="0000"), "serial"),
    ],
)
def test_implausible_nik(text, reason):
    err = fails(validate_nik, text, MSG_NIK_IMPLAUSIBLE)
    assert err.params["reason"] == reason


def test_nik_failure_kinds_have_distinct_messages():
    assert len({MSG_NIK_LENGTH, MSG_NIK_DIGITS, MSG_NIK_IMPLAUSIBLE}) == 3


nik_parts = st.tuples(
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.integers(1, 99),
    st.integers(1, 99),
    st.integers(1, 31),
    st.booleans(),
    st.integers(1, 12),
    st.integers(0, 99),
    st.integers(1, 9999),
)


@given(nik_parts, st.sampled_from(["", " ", ".", "-"]))
def test_any_plausible_nik_passes_and_is_stable(parts, sep):
    prov, reg, dist, day, woman, month, year, serial = parts
    digits = f"{prov:02}{reg:02}{dist:02}{day + 40 * woman:02}{month:02}{year:02}{serial:04}"
    typed = sep.join([digits[:4], digits[4:8], digits[8:12], digits[12:]])
    assert validate_nik(typed) == digits
    assert validate_nik(digits) == digits


def test_mask_nik():
    assert mask_nik("5271011507900003") == "5271********0003"
    assert mask_nik("3171 0115 0285 0001") == "3171********0001"
    assert mask_nik("") == ""
    assert "*" * 4 == mask_nik("1234")  # too short to show anything safely


@given(nik_parts)
def test_mask_nik_hides_the_birth_date(parts):
    prov, reg, dist, day, woman, month, year, serial = parts
    digits = f"{prov:02}{reg:02}{dist:02}{day + 40 * woman:02}{month:02}{year:02}{serial:04}"
    masked = mask_nik(digits)
    assert len(masked) == 16 and masked[4:12] == "*" * 8
    assert masked[:4] == digits[:4] and masked[12:] == digits[12:]


# --- phone -----------------------------------------------------------------------------------------

MOBILE_FORMS = [
    "081234567890",
    "81234567890",
    "6281234567890",
    "+6281234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "(0812) 3456 7890",
    "0812.3456.7890",
    "+62 812-3456-7890",
    "+62 (812) 3456 7890",
    "62 812 3456 7890",
    "+62 (0)812 3456 7890",
    "0062 812 3456 7890",
    " 0812 3456 7890 ",
    "＋６２８１２３４５６７８９０",
]


@pytest.mark.parametrize("text", MOBILE_FORMS)
def test_mobile_forms_normalise_to_one_e164(text):
    assert normalize_phone(text) == "+6281234567890"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0370 612345", "+62370612345"),  # Mataram
        ("(0370) 612345", "+62370612345"),
        ("0370-612345", "+62370612345"),
        ("+62 370 612345", "+62370612345"),
        ("+62 (0)370 612345", "+62370612345"),
        ("62370612345", "+62370612345"),
        ("021-1234-5678", "+622112345678"),  # Jakarta, 8-digit subscriber number
        ("(021) 345 6789", "+62213456789"),
        ("0967 533123", "+62967533123"),  # Jayapura
        ("0361 22345", "+6236122345"),  # shortest accepted: 8 digits after +62
        ("0812345678", "+62812345678"),  # shortest mobile: 9 digits after +62
        ("0812 3456 7890 1", "+62812345678901"),  # longest mobile: 12 digits after +62
    ],
)
def test_other_valid_numbers(text, expected):
    assert normalize_phone(text) == expected
    assert normalize_phone(expected) == expected


@pytest.mark.parametrize(
    "text, msgid",
    [
        ("", MSG_PHONE_EMPTY),
        ("  - ( ) ", MSG_PHONE_EMPTY),
        ("0812-abc-7890", MSG_PHONE_CHARACTERS),
        ("0812+3456", MSG_PHONE_CHARACTERS),
        ("+", MSG_PHONE_CHARACTERS),
        ("wa: 081234567890", MSG_PHONE_CHARACTERS),
        ("+1 555 123 4567", MSG_PHONE_FOREIGN),
        ("+60 12 345 6789", MSG_PHONE_FOREIGN),  # Malaysia
        ("0060 12 345 6789", MSG_PHONE_FOREIGN),
        ("081234567", MSG_PHONE_MOBILE_SHORT),  # 8 digits after +62
        ("0812345", MSG_PHONE_MOBILE_SHORT),
        ("+62 812 3456", MSG_PHONE_MOBILE_SHORT),
        ("08123456789012", MSG_PHONE_MOBILE_LONG),  # 13 digits after +62
        ("0370 1234", MSG_PHONE_LANDLINE),
        ("021 1234 56789", MSG_PHONE_LANDLINE),
        ("370612345", MSG_PHONE_SHAPE),  # landline without 0: ambiguous
        ("0800 1 234567", MSG_PHONE_SHAPE),  # toll-free service number
        ("0112", MSG_PHONE_SHAPE),
        ("112", MSG_PHONE_SHAPE),
        ("+62", MSG_PHONE_SHAPE),
        ("0", MSG_PHONE_SHAPE),
    ],
)
def test_bad_numbers(text, msgid):
    fails(normalize_phone, text, msgid)


@given(
    st.sampled_from("1235789"),
    st.text(alphabet="0123456789", min_size=7, max_size=10),
    st.sampled_from(["0{}", "{}", "62{}", "+62{}", "+62 {}", "0062{}", "+62 (0){}"]),
)
def test_every_mobile_form_gives_the_same_number(second, rest, form):
    national = "8" + second + rest
    assert normalize_phone(form.format(national)) == "+62" + national
    grouped = " ".join(national[i:i + 4] for i in range(0, len(national), 4))
    assert normalize_phone(form.format(grouped)) == "+62" + national


def test_mask_phone():
    assert mask_phone("+6281234567890") == "+62812****7890"
    assert mask_phone("+62370612345") == "+62370**2345"
    assert mask_phone("+6236122345") == "+62361*2345"
    assert mask_phone("") == ""
    masked = mask_phone("+6281234567890")
    assert "3456" not in masked and len(masked) == len("+6281234567890")


# --- email -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("budi@gmail.com", "budi@gmail.com"),
        ("Budi.Santoso@Gmail.COM", "Budi.Santoso@gmail.com"),  # the mailbox keeps its case
        ("  siti@desa.go.id \n", "siti@desa.go.id"),
        ("siti+lapor@yahoo.co.id", "siti+lapor@yahoo.co.id"),
        ("o'neil_99@mail-server.org", "o'neil_99@mail-server.org"),
        ("budi@gmail.com.", "budi@gmail.com"),
        ("wayan@pemprov.ntbprov.go.id", "wayan@pemprov.ntbprov.go.id"),
        ("josé@correo.es", "josé@correo.es"),
        ("info@kantor.xn--p1ai", "info@kantor.xn--p1ai"),
        ("a@b.co", "a@b.co"),
    ],
)
def test_valid_email(text, expected):
    assert validate_email(text) == expected
    assert validate_email(expected) == expected


@pytest.mark.parametrize(
    "text, msgid",
    [
        ("", MSG_EMAIL_EMPTY),
        ("   ", MSG_EMAIL_EMPTY),
        ("budi santoso@gmail.com", MSG_EMAIL_SPACES),
        ("budi@gmail .com", MSG_EMAIL_SPACES),
        ("budigmail.com", MSG_EMAIL_AT),
        ("budi@@gmail.com", MSG_EMAIL_AT),
        ("budi@kantor@gmail.com", MSG_EMAIL_AT),
        ("@gmail.com", MSG_EMAIL_LOCAL),
        (".budi@gmail.com", MSG_EMAIL_LOCAL),
        ("budi.@gmail.com", MSG_EMAIL_LOCAL),
        ("bu..di@gmail.com", MSG_EMAIL_LOCAL),
        ("bu(di)@gmail.com", MSG_EMAIL_LOCAL),
        ('"budi"@gmail.com', MSG_EMAIL_LOCAL),
        ("b" * 65 + "@gmail.com", MSG_EMAIL_LOCAL),
        ("budi@", MSG_EMAIL_DOMAIN),
        ("budi@gmail", MSG_EMAIL_DOMAIN),
        ("budi@gmail..com", MSG_EMAIL_DOMAIN),
        ("budi@.gmail.com", MSG_EMAIL_DOMAIN),
        ("budi@-gmail.com", MSG_EMAIL_DOMAIN),
        ("budi@gmail-.com", MSG_EMAIL_DOMAIN),
        ("budi@gmail.c", MSG_EMAIL_DOMAIN),
        ("budi@gmail.123", MSG_EMAIL_DOMAIN),
        ("budi@gmail_mail.com", MSG_EMAIL_DOMAIN),
        ("budi@[10.0.0.1]", MSG_EMAIL_DOMAIN),
    ],
)
def test_bad_email(text, msgid):
    fails(validate_email, text, msgid)


def _email_of_length(n: int) -> str:
    local = "a" * 64
    last = n - 64 - 1 - (63 + 1 + 63 + 1) - 4
    return f"{local}@{'b' * 63}.{'c' * 63}.{'d' * last}.com"


def test_email_length_limit_is_254():
    assert len(_email_of_length(254)) == 254
    assert validate_email(_email_of_length(254)) == _email_of_length(254)
    err = fails(validate_email, _email_of_length(255), MSG_EMAIL_LONG)
    assert err.params == {"limit": 254}


def test_mask_email():
    assert mask_email("budi.santoso@gmail.com") == "b**********o@gmail.com"
    assert mask_email("ab@gmail.com") == "a*@gmail.com"
    assert mask_email("a@gmail.com") == "a@gmail.com"
    assert mask_email("") == ""
    assert "santoso" not in mask_email("budi.santoso@gmail.com")


# --- name ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Sukarno", "Sukarno"),  # one-word names are common
        ("  Baiq   Nurul\tHidayati ", "Baiq Nurul Hidayati"),
        ("I Gusti Ngurah Rai", "I Gusti Ngurah Rai"),
        ("MUH. ZAINUL MAJDI", "MUH. ZAINUL MAJDI"),
        ("Siti Nur'aini", "Siti Nur'aini"),
        ("Siti Nur’aini", "Siti Nur’aini"),
        ("Sri-Wahyuni", "Sri-Wahyuni"),
        ("Dr. Ir. H. Ahmad Fauzi, M.Si.", "Dr. Ir. H. Ahmad Fauzi, M.Si."),
        ("Zoe\u0308", "Zoë"),  # decomposed accent composed (NFC)
        ("محمد علي", "محمد علي"),
        ("Ai", "Ai"),
    ],
)
def test_valid_name(text, expected):
    assert validate_name(text) == expected
    assert validate_name(expected) == expected


@pytest.mark.parametrize(
    "text, msgid",
    [
        ("", MSG_NAME_EMPTY),
        ("  \n ", MSG_NAME_EMPTY),
        ("Budi 2", MSG_NAME_CHARACTERS),
        ("5271011507900003", MSG_NAME_CHARACTERS),
        ("Budi 😀", MSG_NAME_CHARACTERS),
        ("Budi@Santoso", MSG_NAME_CHARACTERS),
        ("Budi_Santoso", MSG_NAME_CHARACTERS),
        ("<script>", MSG_NAME_CHARACTERS),
        ("A", MSG_NAME_SHORT),
        ("A.", MSG_NAME_SHORT),
        ("- -", MSG_NAME_SHORT),
    ],
)
def test_bad_name(text, msgid):
    fails(validate_name, text, msgid)


def test_name_length_limit_is_100():
    hundred = ("Ni Luh Putu " * 10)[:99] + "a"
    assert len(hundred) == 100 and validate_name(hundred) == hundred
    err = fails(validate_name, hundred + "b", MSG_NAME_LONG)
    assert err.params == {"max": 100, "count": 101}


def test_non_text_input_is_a_validation_error_not_a_crash():
    for fn in (validate_nik, normalize_phone, validate_email, validate_name):
        with pytest.raises(ValidationError):
            fn(5271011507900003)  # type: ignore[arg-type]


def test_allocated_ranges_match_libphonenumbers_parse_and_validate():
    """The server checks a phone per complaint, so ``_allocated`` builds the number instead of parsing
    it and asks ``number_type`` once (issue 12, item 18). It must answer as the documented way does,
    for every shape of national number normalize_phone lets through (mobile 8x, 9..12 digits; landline
    2..9, 8..10 digits), over every three-digit prefix and every four-digit mobile prefix."""
    import random

    import phonenumbers
    from phonenumbers import PhoneNumberType as T

    from kiosk.domain.identity import _allocated

    def reference(e164: str) -> bool:
        number = phonenumbers.parse(e164)
        return phonenumbers.is_valid_number_for_region(number, "ID") and phonenumbers.number_type(number) in (
            T.MOBILE, T.FIXED_LINE, T.FIXED_LINE_OR_MOBILE)

    def ours(e164: str) -> bool:
        try:
            return _allocated(e164) == e164
        except ValidationError:
            return False

    rng = random.Random(18)
    shapes = [(f"{p:03d}", n) for p in range(200, 1000) for n in ((9, 10, 11, 12) if p // 100 == 8 else (8, 9, 10))]
    shapes += [(f"{p:04d}", n) for p in range(8000, 9000) for n in (9, 10, 11, 12)]
    seen = {True: 0, False: 0}
    for prefix, length in shapes:
        for _ in range(3):
            e164 = "+62" + prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix)))
            expected = reference(e164)
            assert ours(e164) is expected, e164
            seen[expected] += 1
    assert min(seen.values()) > 1000  # both answers were exercised


@pytest.mark.parametrize("code", range(128))
def test_the_ascii_shortcuts_give_the_per_character_answers(code):
    """Email and name checks take an ASCII text in one regex pass (the server checks one per complaint,
    issue 12 item 18); for every ASCII character the answer must be the per-character rule's."""
    from kiosk.domain import identity as ident

    ch = chr(code)
    assert (ident._ASCII_SPACE.search(ch) is not None) == ch.isspace()
    assert (ident._ASCII_LOCAL.fullmatch(ch) is not None) == ident._local_chars_ok(ch)
    assert (ident._ASCII_LABEL.fullmatch(ch) is not None) == ident._label_chars_ok(ch)
    assert (ident._ASCII_NAME.fullmatch(ch) is not None) == ident._name_chars_ok(ch)
    # A NIK as sent (16 ASCII digits) skips normalising; with any other character it does not.
    nik = "527101010190001" + ch
    if ch.isdigit():
        assert validate_nik(nik) == nik
    else:
        with pytest.raises(ValidationError):
            validate_nik(nik)
