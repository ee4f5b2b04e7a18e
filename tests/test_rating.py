"""What a citizen submits: the IKM survey and the quick rating, their JSON forms, and the tap debouncer."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain import rating
from kiosk.domain.errors import ValidationError
from kiosk.domain.ikm import compute
from kiosk.domain.rating import (
    IkmSurvey,
    QuickRating,
    RespondentProfile,
    TapDebouncer,
    quick_from_dict,
    quick_to_dict,
    survey_from_dict,
    survey_to_dict,
    validate_quick,
    validate_survey,
)

WITA = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 3, 10, 15, tzinfo=WITA)
CODES = [f"U{i}" for i in range(1, 10)]
NAMES = [
    "Persyaratan", "Sistem, Mekanisme, dan Prosedur", "Waktu Penyelesaian", "Biaya/Tarif",
    "Produk Spesifikasi Jenis Pelayanan", "Kompetensi Pelaksana", "Perilaku Pelaksana",
    "Penanganan Pengaduan, Saran dan Masukan", "Sarana dan Prasarana",
]
SCORES = [4, 3, 3, 4, 2, 3, 4, 1, 3]
PO = Path(__file__).resolve().parent.parent / "assets/locale/id/LC_MESSAGES/domain_ratings.po"


def raw(**changes) -> dict:
    doc = {"service_id": "dukcapil-ktp", "agency_id": "dukcapil", "answers": dict(zip(CODES, SCORES))}
    doc.update(changes)
    return doc


def error(raw_doc, validate=validate_survey) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        validate(raw_doc, answered_at=AT)
    return info.value


# --- answers ----------------------------------------------------------------------------------------


def test_a_valid_survey():
    s = validate_survey(raw(), answered_at=AT)
    assert isinstance(s, IkmSurvey)
    assert s.service_id == "dukcapil-ktp" and s.agency_id == "dukcapil"
    assert s.answers == tuple(zip(CODES, NAMES, SCORES))
    assert s.scores == dict(zip(CODES, SCORES))
    assert s.profile is None and s.comment is None and s.answered_at == AT


def test_answers_as_a_list_equal_answers_as_an_object():
    as_list = [{"code": c, "score": v} for c, v in zip(CODES, SCORES)]
    as_list.reverse()  # order does not matter; the survey keeps U1..U9 order
    assert validate_survey(raw(answers=as_list), answered_at=AT) == validate_survey(raw(), answered_at=AT)


def test_list_answers_may_name_their_element():
    as_list = [{"name": n, "score": v} for n, v in zip(NAMES, SCORES)]
    assert validate_survey(raw(answers=as_list), answered_at=AT).scores == dict(zip(CODES, SCORES))


def test_a_unit_that_swaps_u8_and_u9_is_read_by_name():
    # Their sheet calls Sarana dan Prasarana "U8" and complaint handling "U9"; the names decide.
    answers = [{"code": c, "name": n, "score": v} for c, n, v in zip(CODES[:7], NAMES[:7], SCORES[:7])]
    answers += [
        {"code": "U8", "name": "Sarana dan Prasarana", "score": 4},
        {"code": "U9", "name": "Penanganan Pengaduan, Saran dan Masukan", "score": 1},
    ]
    s = validate_survey(raw(answers=answers), answered_at=AT)
    assert s.scores["U9"] == 4 and s.scores["U8"] == 1
    assert s.answers[8] == ("U9", "Sarana dan Prasarana", 4)


@pytest.mark.parametrize("bad", [True, False, 4.0, 3.5, "4", None, 0, 5, -1, [4]])
def test_scores_must_be_integers_1_to_4(bad):
    e = error(raw(answers=dict(zip(CODES, SCORES), U3=bad)))
    assert e.field == "answers.U3" and e.message == rating.MSG_SCORE
    e = error(raw(answers=[{"code": "U1", "score": bad}]))
    assert e.field == "answers[0].score"


def test_missing_elements_are_named():
    e = error(raw(answers={c: 3 for c in CODES if c not in ("U3", "U7")}))
    assert e.field == "answers" and e.message == rating.MSG_UNANSWERED
    assert e.params == {"missing": "U3, U7"}
    assert error(raw(answers=None)).params == {"missing": ", ".join(CODES)}
    assert error({"service_id": "x"}).params == {"missing": ", ".join(CODES)}
    assert error(raw(answers=[])).params == {"missing": ", ".join(CODES)}


def test_an_element_answered_twice_is_refused():
    answers = [{"code": c, "score": 3} for c in CODES] + [{"code": "u4", "score": 1}]
    e = error(raw(answers=answers))
    assert e.field == "answers.U4" and e.message == rating.MSG_ANSWERED_TWICE
    # Twice by code and by name counts as twice too.
    answers = [{"code": c, "score": 3} for c in CODES] + [{"name": "Biaya/Tarif", "score": 1}]
    assert error(raw(answers=answers)).field == "answers.U4"


@pytest.mark.parametrize(
    "doc, field",
    [
        (raw(nama="Budi"), "nama"),
        (raw(answered_at="2026-01-01T00:00:00+08:00"), "answered_at"),  # the clock is the kiosk's
        (raw(profile={"nama": "Budi"}), "profile.nama"),
        (raw(profile={"usia": 30, "nik": "5271"}), "profile.nik"),
        (raw(answers=[{"code": "U1", "score": 4, "weight": 2}]), "answers[0].weight"),
        (raw(answers=dict(zip(CODES, SCORES), U10=4)), "answers.U10"),
        (raw(answers=[{"code": "U10", "score": 4}]), "answers[0].code"),
        (raw(answers=[{"name": "Kecepatan", "score": 4}]), "answers[0].name"),
        (raw(answers=[{"score": 4}]), "answers[0]"),
        (raw(answers=["U1"]), "answers[0]"),
        (raw(answers="U1=4"), "answers"),
        (raw(**{"1": 2}), "1"),
    ],
)
def test_unknown_or_malformed_keys_name_the_field(doc, field):
    assert error(doc).field == field


def test_an_unknown_element_key_says_which_elements_exist():
    e = error(raw(answers=dict(zip(CODES, SCORES), U10=4)))
    assert e.message == rating.MSG_UNKNOWN_ELEMENT and e.params == {"value": "U10"}


def test_the_survey_must_be_an_object():
    for bad in [None, [], "survey", 3]:
        e = error(bad)
        assert e.message == rating.MSG_NOT_OBJECT and e.field is None


# --- ids --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", [{"service_id": None}, {"service_id": ""}, {"service_id": "  "}])
def test_service_is_required(missing):
    e = error(raw(**missing))
    assert e.field == "service_id" and e.message == rating.MSG_SERVICE_NEEDED
    doc = raw()
    del doc["service_id"]
    assert error(doc).field == "service_id"


@pytest.mark.parametrize("bad", ["Dukcapil KTP", "-ktp", 12, "a" * 65, "dukcapil_ktp"])
def test_ids_must_be_catalog_ids(bad):
    assert error(raw(service_id=bad)).field == "service_id"
    assert error(raw(agency_id=bad)).field == "agency_id"


def test_agency_is_optional():
    doc = raw()
    del doc["agency_id"]
    assert validate_survey(doc, answered_at=AT).agency_id is None
    assert validate_survey(raw(agency_id=""), answered_at=AT).agency_id is None


# --- profile ----------------------------------------------------------------------------------------


def test_full_profile_is_canonicalised():
    s = validate_survey(
        raw(profile={"jenis_kelamin": "p", "usia": "41", "pendidikan": "d1–d3", "pekerjaan": "wirausaha"}),
        answered_at=AT,
    )
    assert s.profile == RespondentProfile(jenis_kelamin="P", usia=41, pendidikan="D1-D3", pekerjaan="Wirausaha")


def test_every_profile_field_is_optional():
    assert validate_survey(raw(profile={"usia": 15}), answered_at=AT).profile == RespondentProfile(usia=15)
    empty = {"jenis_kelamin": "", "usia": None, "pendidikan": " ", "pekerjaan": None}
    assert validate_survey(raw(profile=empty), answered_at=AT).profile is None
    assert validate_survey(raw(profile={}), answered_at=AT).profile is None
    assert validate_survey(raw(profile=None), answered_at=AT).profile is None


def test_profile_has_no_name_field():
    assert "nama" not in rating.PROFILE_KEYS and "name" not in RespondentProfile.__slots__


@pytest.mark.parametrize(
    "profile, field",
    [
        ({"jenis_kelamin": "X"}, "profile.jenis_kelamin"),
        ({"jenis_kelamin": "Laki-laki"}, "profile.jenis_kelamin"),
        ({"usia": 14}, "profile.usia"),
        ({"usia": 101}, "profile.usia"),
        ({"usia": 30.5}, "profile.usia"),
        ({"usia": True}, "profile.usia"),
        ({"usia": "tiga puluh"}, "profile.usia"),
        ({"usia": "٣٠"}, "profile.usia"),  # Arabic-Indic digits pass str.isdigit, not the digit pad
        ({"pendidikan": "SMK"}, "profile.pendidikan"),
        ({"pekerjaan": "Petani"}, "profile.pekerjaan"),
        ({"pekerjaan": 3}, "profile.pekerjaan"),
        ("P", "profile"),
    ],
)
def test_bad_profile_values(profile, field):
    assert error(raw(profile=profile)).field == field


def test_age_bounds_are_in_the_message():
    e = error(raw(profile={"usia": 12}))
    assert e.params == {"low": 15, "high": 100}
    assert "15" in str(e) and "100" in str(e)


def test_choice_message_lists_the_choices():
    e = error(raw(profile={"pekerjaan": "Petani"}))
    assert e.params == {"choices": "PNS, TNI, POLRI, Swasta, Wirausaha, Lainnya"}


# --- comment ----------------------------------------------------------------------------------------


def test_comment_is_cleaned():
    s = validate_survey(raw(comment="  Antre\x00an  lama\r\nloket\x1b 2\u202e\tramah  "), answered_at=AT)
    assert s.comment == "Antrean  lama\nloket 2 ramah"


def test_comment_is_nfc():
    decomposed = "Cafe\u0301 di lobi"
    s = validate_survey(raw(comment=decomposed), answered_at=AT)
    assert s.comment == "Caf\u00e9 di lobi" and len(s.comment) == 12
    # A control character between a letter and its accent is removed and the pair composed.
    assert validate_survey(raw(comment="e\x07\u0301"), answered_at=AT).comment == "\u00e9"


def test_comment_keeps_any_script_and_emoji():
    text = "Pelayanan cepat 👍 terima kasih — ꦱꦸꦮꦸꦤ꧀ 謝謝"
    assert validate_survey(raw(comment=text), answered_at=AT).comment == text


def test_empty_comment_is_none():
    for blank in ["", "   ", "\x00\x01", "\u202e", None]:
        assert validate_survey(raw(comment=blank), answered_at=AT).comment is None


def test_comment_length_is_counted_after_cleaning():
    assert len(validate_survey(raw(comment="a" * 1000), answered_at=AT).comment) == 1000
    assert validate_survey(raw(comment="a" * 1000 + "\x00" * 50 + "   "), answered_at=AT).comment == "a" * 1000
    e = error(raw(comment="a" * 1001))
    assert e.field == "comment" and e.params == {"limit": 1000, "count": 1001}


def test_comment_must_be_text():
    assert error(raw(comment=123)).message == rating.MSG_COMMENT_TEXT


def test_lone_surrogates_are_dropped():
    s = validate_survey(raw(comment="ok\ud800!"), answered_at=AT)
    assert s.comment == "ok!"
    s.comment.encode("utf-8")


# --- time -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [datetime(2026, 11, 3, 10, 15), "2026-11-03T10:15:00", None, 1762136100])
def test_answered_at_must_carry_a_time_zone(bad):
    with pytest.raises(ValidationError) as info:
        validate_survey(raw(), answered_at=bad)
    assert info.value.field == "answered_at"


# --- JSON form --------------------------------------------------------------------------------------


def test_survey_to_dict_stores_code_and_name():
    s = validate_survey(raw(profile={"usia": 33}, comment="Bagus"), answered_at=AT)
    doc = survey_to_dict(s)
    assert json.loads(json.dumps(doc)) == doc
    assert doc["kind"] == "ikm"
    assert doc["answers"][7] == {"code": "U8", "name": "Penanganan Pengaduan, Saran dan Masukan", "score": 1}
    assert doc["answered_at"] == "2026-11-03T10:15:00+08:00"
    assert doc["profile"] == {"jenis_kelamin": None, "usia": 33, "pendidikan": None, "pekerjaan": None}
    assert survey_from_dict(doc) == s


def test_survey_from_dict_checks_like_validate():
    doc = survey_to_dict(validate_survey(raw(), answered_at=AT))
    with pytest.raises(ValidationError) as info:
        survey_from_dict(dict(doc, kind="quick"))
    assert info.value.field == "kind"
    with pytest.raises(ValidationError) as info:
        survey_from_dict(dict(doc, answered_at="yesterday"))
    assert info.value.field == "answered_at"
    with pytest.raises(ValidationError) as info:
        survey_from_dict(dict(doc, extra=1))
    assert info.value.field == "extra"


ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,20}", fullmatch=True)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([timezone.utc, WITA, timezone(timedelta(hours=7)), timezone(timedelta(hours=9))]),
)
profiles = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {},
        optional={
            "jenis_kelamin": st.sampled_from(rating.GENDERS),
            "usia": st.integers(15, 100),
            "pendidikan": st.sampled_from(rating.EDUCATION),
            "pekerjaan": st.sampled_from(rating.OCCUPATIONS),
        },
    ),
)


@given(
    ids, st.one_of(st.none(), ids), st.lists(st.integers(1, 4), min_size=9, max_size=9), profiles,
    st.one_of(st.none(), st.text(max_size=1000)), moments,
)
def test_survey_round_trips_through_json(service_id, agency_id, scores, profile, comment, at):
    s = validate_survey(
        {"service_id": service_id, "agency_id": agency_id, "answers": dict(zip(CODES, scores)),
         "profile": profile, "comment": comment},
        answered_at=at,
    )
    doc = json.loads(json.dumps(survey_to_dict(s), ensure_ascii=False))
    assert survey_from_dict(doc) == s
    # Validating again changes nothing: the stored form is a fixed point.
    assert survey_to_dict(survey_from_dict(doc)) == doc


@given(st.text(max_size=1200))
def test_comment_cleaning_is_idempotent_and_never_crashes(text):
    try:
        once = rating.clean_comment(text)
    except ValidationError as exc:
        assert exc.message == rating.MSG_COMMENT_LONG
        return
    assert rating.clean_comment(once) == once
    if once is not None:
        assert len(once) <= 1000
        once.encode("utf-8")


# --- quick rating -----------------------------------------------------------------------------------


def test_quick_rating():
    q = validate_quick({"face": 3, "agency_id": "dukcapil"}, answered_at=AT)
    assert q == QuickRating(face=3, agency_id="dukcapil", answered_at=AT)
    assert validate_quick({"face": 1}, answered_at=AT).service_id is None
    assert [label for _v, label, _en in rating.FACES] == ["Sangat tidak puas", "Tidak puas", "Puas", "Sangat puas"]


@pytest.mark.parametrize("face", [0, 5, True, 2.0, "3", None])
def test_quick_rating_face_must_be_1_to_4(face):
    e = error({"face": face}, validate_quick)
    assert e.field == "face" and e.message == rating.MSG_FACE
    doc = {"service_id": "x"}
    assert error(doc, validate_quick).field == "face"


def test_quick_rating_rejects_survey_fields():
    assert error({"face": 4, "answers": {"U1": 4}}, validate_quick).field == "answers"
    assert error({"face": 4, "comment": "x"}, validate_quick).field == "comment"


@given(st.integers(1, 4), st.one_of(st.none(), ids), st.one_of(st.none(), ids), moments)
def test_quick_round_trips_through_json(face, service_id, agency_id, at):
    q = validate_quick({"face": face, "service_id": service_id, "agency_id": agency_id}, answered_at=at)
    doc = json.loads(json.dumps(quick_to_dict(q)))
    assert doc["kind"] == "quick"
    assert quick_from_dict(doc) == q


def test_quick_from_dict_refuses_a_survey():
    doc = survey_to_dict(validate_survey(raw(), answered_at=AT))
    with pytest.raises(ValidationError):
        quick_from_dict(doc)
    with pytest.raises(ValidationError) as info:
        quick_from_dict({"kind": "ikm", "face": 3, "answered_at": AT.isoformat()})
    assert info.value.field == "kind"


def test_quick_ratings_stay_out_of_the_index():
    surveys = [validate_survey(raw(answers=dict.fromkeys(CODES, 2)), answered_at=AT)]
    quick = [validate_quick({"face": 4}, answered_at=AT)] * 10
    with pytest.raises(TypeError):
        compute(surveys + quick)
    assert str(compute(surveys).score) == "50.00"  # 2 x 25, untouched by the faces


# --- the tap debouncer ------------------------------------------------------------------------------


def test_a_burst_of_taps_counts_once():
    d = TapDebouncer(3.0)
    taps = [100.0, 100.2, 101.0, 102.9, 105.0, 107.9, 111.0]
    # 100.0 first; 100.2, 101.0, 102.9 each within 3 s of the previous tap; 105.0 is 2.1 s after
    # 102.9 (still the same burst); 107.9 is 2.9 s after 105.0; 111.0 is 3.1 s after: a new tap.
    assert [d.accept(t) for t in taps] == [True, False, False, False, False, False, True]


def test_taps_an_interval_apart_all_count():
    d = TapDebouncer(3.0)
    assert [d.accept(t) for t in [0.0, 3.0, 6.0, 9.5]] == [True, True, True, True]


def test_zero_interval_counts_every_tap():
    d = TapDebouncer(0)
    assert all(d.accept(t) for t in [1.0, 1.0, 1.0])


def test_clock_going_back_accepts_the_tap():
    d = TapDebouncer(3.0)
    assert d.accept(1000.0)
    assert d.accept(5.0)
    assert not d.accept(6.0)


def test_reset_forgets_the_last_tap():
    d = TapDebouncer(3.0)
    assert d.accept(10.0)
    d.reset()
    assert d.accept(10.5)


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), "3", None, True])
def test_debouncer_interval_must_be_a_non_negative_number(bad):
    with pytest.raises(ValidationError):
        TapDebouncer(bad)


# --- translations -----------------------------------------------------------------------------------


def test_every_message_and_label_has_an_indonesian_translation():
    with PO.open("rb") as fh:
        catalog = {m.id: m.string for m in read_po(fh) if m.id}
    msgids = [v for k, v in vars(rating).items() if k.startswith("MSG_")]
    labels = [
        *rating.GENDER_LABELS.values(), *rating.EDUCATION_LABELS.values(),
        *rating.OCCUPATION_LABELS.values(), *rating.PROFILE_LABELS.values(), *(en for _v, _id, en in rating.FACES),
    ]
    for msgid in msgids + labels:
        assert catalog.get(msgid), msgid
        assert catalog[msgid] != msgid
        assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", catalog[msgid]))
    assert [catalog[en] for _v, _id, en in rating.FACES] == [ind for _v, ind, _en in rating.FACES]


def test_an_answer_as_written_is_judged_as_the_full_path_judges_it():
    """The server's shortcut for an answer exactly as survey_to_dict writes it (``_as_written``) against
    the full per-item path (``_answer_item``), over every code, name and score shape: whenever the
    shortcut finds an element, the full path accepts the item with that element and score."""
    import itertools

    from kiosk.domain import rating as R
    from kiosk.domain.ikm import ELEMENTS

    missing = object()
    codes = [e.code for e in ELEMENTS] + ["u1", " U1", "U1 ", "U10", "U0", "", 1, None, ["U1"], missing]
    names = ([e.name_id for e in ELEMENTS] + [e.name_id.lower() for e in ELEMENTS]
             + [" Persyaratan", "Persyaratan ", "Biaya / tarif", "Tidak ada", "", None, 3, {"x": 1}, missing])
    scores = [0, 1, 2, 3, 4, 5, -1, True, False, 4.0, "4", None, missing]
    extras = [{}, {"note": 1}]
    found = 0
    for code, name, score, extra in itertools.product(codes, names, scores, extras):
        item = {k: v for k, v in (("code", code), ("name", name), ("score", score)) if v is not missing}
        item.update(extra)
        element = R._as_written(item)
        if element is None:
            continue
        found += 1
        assert R._answer_item(item, 0) == (element, item["score"]), item
        assert item["score"] == score and type(score) is int
    assert found == 9 * 9 * 4  # every code with every exact name and every score, nothing else
    # Only a plain dict takes the shortcut; anything else goes the full way.
    assert R._as_written([("code", "U1"), ("name", "Persyaratan"), ("score", 4)]) is None
