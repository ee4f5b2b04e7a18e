"""Once the citizen has replied to the answer, the tracking page and the track API stop promising that
the report "closes automatically if you do not reply" (the deadline job no longer closes it).

Found by the end-to-end story: after rating "Sangat puas" the page still said it would close on its
own in 10 working days, which the tick (tick._auto_close_condition) would never do.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kiosk.central import citizen
from kiosk.domain import tracking

from .test_citizen import answer, filed

CLOSE_WORDS = "Ditutup otomatis jika Anda tidak membalas"


def looks(http, server, code: str) -> tuple[str, dict | None]:
    page = http.get(server.url + f"/lacak/{tracking.display(code)}", timeout=10)
    data = http.get(server.url + f"/api/v1/track/{code}", timeout=10)
    assert page.status_code == 200 and data.status_code == 200
    return page.text, data.json()["next_deadline"]


def test_a_rating_of_the_current_answer_ends_the_closing_countdown(http, server, engine, device):
    code = filed(server, device)
    answer(engine, code, at=datetime.now(UTC) - timedelta(hours=1))
    page, deadline = looks(http, server, code)
    assert CLOSE_WORDS in page and deadline["label"] == "Closes automatically if you do not reply"
    citizen.rate_answer(engine, code, 4, None)
    page, deadline = looks(http, server, code)
    assert CLOSE_WORDS not in page and deadline is None
    assert "Anda sudah menilai jawaban ini" in page


def test_a_rating_of_an_earlier_answer_does_not(http, server, engine, device):
    code = filed(server, device)
    answer(engine, code, at=datetime.now(UTC) - timedelta(hours=2))
    citizen.rate_answer(engine, code, 1, None)
    answer(engine, code, at=datetime.now(UTC) + timedelta(minutes=5), text="Jawaban kedua setelah dibuka kembali.")
    page, deadline = looks(http, server, code)
    assert CLOSE_WORDS in page and deadline is not None
