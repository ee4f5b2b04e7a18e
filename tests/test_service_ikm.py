"""A service's IKM on the kiosk: the server's all-kiosk aggregate plus this kiosk's answers it lacks."""

from __future__ import annotations


import pytest

from kiosk.actions import Kiosk
from kiosk.config import load_config


@pytest.fixture
def kiosk(tmp_path, tiny_catalog):
    k = Kiosk.open(load_config().with_data_dir(tmp_path))
    catalog_file = tmp_path / "c.json"
    import json

    # The server saw 2 respondents answering 4 everywhere, as of noon UTC.
    tiny_catalog["services"][0]["ikm"] = {
        "respondents": 2, "sums": {f"U{i}": 8 for i in range(1, 10)}, "as_of": "2026-11-23T12:00:00+00:00"
    }
    catalog_file.write_text(json.dumps(tiny_catalog))
    k.load_catalog(catalog_file)
    yield k
    k.close()


def survey(k: Kiosk, score: int) -> str:
    return k.add_survey({"service_id": "bappenda-pkb", "answers": {f"U{i}": score for i in range(1, 10)}})


def mark_sent(k: Kiosk, rid: str, at: str) -> None:
    k.store.db.execute("UPDATE outbox SET sent_at = ? WHERE record_uuid = ?", [at, rid])


def test_without_local_answers_the_server_aggregate_is_shown(kiosk):
    result = kiosk.service_ikm("bappenda-pkb")
    assert result.respondents == 2 and str(result.score) == "100.00"


def test_local_answers_count_once(kiosk):
    before = survey(kiosk, 1)  # sent before the aggregate: already inside the server's 2
    mark_sent(kiosk, before, "2026-11-23T11:00:00+00:00")
    after = survey(kiosk, 1)  # sent after it: not inside yet
    mark_sent(kiosk, after, "2026-11-23T13:00:00+00:00")
    survey(kiosk, 1)  # not sent at all
    result = kiosk.service_ikm("bappenda-pkb")
    # 2 respondents at 4 and 2 at 1: NRR 2.5 on every element -> 2.5 * 25 = 62.50, band D.
    assert result.respondents == 4 and str(result.score) == "62.50" and result.band.mutu == "D"


def test_service_without_aggregate_uses_local_answers(kiosk):
    kiosk.add_survey({"service_id": "dinkes-lab", "answers": {f"U{i}": 3 for i in range(1, 10)}})
    result = kiosk.service_ikm("dinkes-lab")
    assert result.respondents == 1 and str(result.score) == "75.00"
    assert kiosk.service_ikm("dinkes-rujukan") is None
