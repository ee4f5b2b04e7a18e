"""The IKM survey's words as a citizen meets them (issue #13, item 10): each element asked as the plain
question of the PermenPANRB 14/2017 questionnaire, in Indonesian and English, and an education answer
for a citizen who never went to school."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.domain.ikm import ELEMENTS
from kiosk.domain.rating import (
    EDUCATION,
    EDUCATION_LABELS,
    survey_from_dict,
    survey_to_dict,
    validate_survey,
)
from kiosk.i18n import messages

# The regulation's example questionnaire, word for word, for the element the issue quotes.
U5 = ("Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar "
      "pelayanan dengan hasil yang diberikan?")


@pytest.mark.parametrize("element", ELEMENTS, ids=lambda e: e.code)
def test_every_element_is_a_plain_question_in_both_languages(element):
    assert element.question_id.startswith("Bagaimana pendapat Saudara tentang ")
    assert element.question_id.endswith("?") and element.question_en.endswith("?")
    assert element.question_en.startswith("How")
    assert element.question_id != element.name_id  # the name stays, as the small label above
    # The screen shows the English msgid translated by the catalogs: the Indonesian there is the domain's.
    assert messages("id").get(element.question_en) == element.question_id


def test_the_product_question_is_the_regulations_own():
    assert next(e for e in ELEMENTS if e.code == "U5").question_id == U5


def test_questions_are_all_different():
    assert len({e.question_id for e in ELEMENTS}) == len({e.question_en for e in ELEMENTS}) == 9


@pytest.mark.parametrize("typed", ["Tidak sekolah", "tidak sekolah", " TIDAK SEKOLAH "])
def test_no_schooling_is_an_education_answer(typed):
    assert EDUCATION[0] == "Tidak sekolah"
    survey = validate_survey(
        {"service_id": "bappenda-pkb", "answers": {e.code: 4 for e in ELEMENTS}, "profile": {"pendidikan": typed}},
        answered_at=datetime.now(UTC),
    )
    assert survey.profile.pendidikan == "Tidak sekolah"
    assert survey_from_dict(survey_to_dict(survey)).profile.pendidikan == "Tidak sekolah"


def test_no_schooling_is_shown_in_indonesian():
    assert messages("id")[EDUCATION_LABELS["Tidak sekolah"]] == "Tidak sekolah"
