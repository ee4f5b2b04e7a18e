"""The quick dashboard's tables from figures made by hand: shares rounded half-up, numbers written the
page's way, the heatmap's office hours and "other hours", faces named in words."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from kiosk.central.analytics import periods
from kiosk.central.analytics.figures import QuickFigure, Unit, UnitKind
from kiosk.central.web import quick_tables as view
from kiosk.central.web.render import translate

ID, EN = translate("id"), translate("en")


def figure(**kw) -> QuickFigure:
    base = {"unit": Unit(UnitKind.OFFICE, "Kantor X", "Kantor X", "Office X"), "period": periods.quarter(2026, 1),
                "taps": 16, "faces": (1, 3, 4, 8), "index": Decimal("78.13"), "discarded": 1204}
    return QuickFigure(**{**base, **kw})


def test_shares_are_rounded_half_up_to_one_decimal():
    assert view.share_text(1, 16) == "6.3"  # 6.25 %: half-up (half-even would give 6.2)
    assert view.share_text(1, 3) == "33.3" and view.share_text(2, 3) == "66.7"
    assert view.share_text(0, 5) == "0.0" and view.share_text(0, 0) == "–"


def test_numbers_are_written_the_pages_way():
    assert [view.shown(x, "id") for x in ("78.13", "1204", "0.0", "–")] == ["78,13", "1.204", "0,0", "–"]
    assert [view.shown(x, "en") for x in ("78.13", "1204")] == ["78.13", "1,204"]


def test_overview_row_names_faces_in_words():
    columns, rows = view.overview_table([figure()], ID, "id")
    assert columns[2:6] == ["Sangat tidak puas (%)", "Tidak puas (%)", "Puas (%)", "Sangat puas (%)"]
    # faces 1, 3, 4, 8 of 16: 6.25 -> 6,3; 18.75 -> 18,8; 25,0; 50,0
    assert rows == [["Kantor X", "16", "6,3", "18,8", "25,0", "50,0", "78,13", "1.204"]]
    assert view.overview_table([figure()], EN, "en")[1][0][0] == "Office X"


def test_heatmap_table_keeps_the_office_day_and_sums_the_other_hours():
    heat = {(0, 7): 2, (0, 17): 1, (0, 6): 4, (0, 18): 5, (6, 23): 3}  # Monday 06:00 and 18:00 are "other"
    columns, rows = view.heatmap_table(figure(heatmap=heat), EN, "en")
    assert columns[0] == "Day" and columns[1] == "07" and columns[11] == "17" and columns[12] == "Other hours"
    assert rows[0] == ["Monday", "2", *["0"] * 9, "1", "9"]  # 4 + 5 outside 07..17
    assert rows[6] == ["Sunday", *["0"] * 11, "3"]


def test_weekly_table_and_json_agree():
    f = figure(weekly=((date(2025, 12, 29), 2, Decimal("62.50")), (date(2026, 1, 5), 1, None)))
    columns, rows = view.weekly_table(f, ID, "id")
    assert rows == [["2025-12-29", "2", "62,50"], ["2026-01-05", "1", "–"]]
    data = view.detail_json(f, ID, "id")
    assert data["tables"]["weekly"] == {"columns": columns, "rows": rows}
    assert data["weekly"][0] == {"monday": "2025-12-29", "taps": 2, "index": "62.50"}
    assert data["unit"]["shares"] == ["6.3", "18.8", "25.0", "50.0"] and data["unit"]["index"] == "78.13"
