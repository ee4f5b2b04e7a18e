"""What an officer reads on the account and users pages, over real HTTP (uvicorn subprocess, SQLite and
PostgreSQL): agencies by their names in the page's language, never the catalog's ids alone."""

from __future__ import annotations

import re

from .inboxkit import ensure_catalog
from .pagekit import session_for


def _dd_after(page: str, label: str) -> str:
    match = re.search(rf"<dt>{re.escape(label)}</dt>\s*<dd>(.*?)</dd>", page, re.S)
    assert match, label
    return match.group(1)


def test_the_account_page_names_the_officers_agencies(server, engine):
    ensure_catalog(engine, "dinkes", "bappenda")
    s, _, _ = session_for(server, engine, "officer", "dinkes", "bappenda")
    page = s.get(server.url + "/staff/account", timeout=10).text
    agencies = _dd_after(page, "Perangkat daerah")
    assert "Dinas Kesehatan Provinsi Nusa Tenggara Barat" in agencies and "Badan Pendapatan Daerah" in agencies
    assert "dinkes" not in agencies and "bappenda" not in agencies


def test_the_users_list_names_agencies_and_an_unknown_id_still_shows(server, engine):
    ensure_catalog(engine, "dinkes")
    session_for(server, engine, "officer", "dinkes", name="rina-dinkes")
    # An id the catalog no longer has (an agency merged away) is shown as it is, not dropped.
    session_for(server, engine, "officer", "dinas-lama", name="rudi-lama")
    s, _, _ = session_for(server, engine, "admin")
    r = s.get(server.url + "/staff/users", timeout=10)
    assert r.status_code == 200, r.status_code
    rina = r.text.split("rina-dinkes", 1)[1].split("</tr>", 1)[0]
    assert "Dinas Kesehatan Provinsi Nusa Tenggara Barat" in rina and ">dinkes<" not in rina
    assert "dinas-lama" in r.text.split("rudi-lama", 1)[1].split("</tr>", 1)[0]
    en = s.get(server.url + "/staff/users?lang=en", timeout=10).text
    assert '<td data-label="Agencies">Health Office of West Nusa Tenggara Province</td>' in en


def test_a_missing_back_office_page_links_to_the_start(server, engine, http):
    s, _, _ = session_for(server, engine, "desk")
    for client in (s, http):  # signed in, and signed out
        r = client.get(server.url + "/staff/no-such-page", timeout=10)
        assert r.status_code == 404 and '<a href="/staff">Kembali ke halaman awal kantor belakang</a>' in r.text, r.text[-600:]
