"""Helpers for the dashboard pages' browser tests (every part of issue 14 uses them):

- ``sign_in(page, server, username, password=DEFAULT_PASSWORD, secret=None)``: through the real sign-in
  pages; ``secret`` is the TOTP secret ``central.staffkit.make_user(..., totp=True)`` returned (admin and
  desk must have one); lands on ``next_path`` (default /staff/dashboard).
- ``chart_drew(page, chart_id)``: waits until charts.js drew the chart (``data-drawn="1"``) and says
  whether its canvas holds any non-blank pixel (a chart that drew nothing is blank).
- ``table_rows(page, chart_id)``: the chart's table, body rows as lists of cell texts (row header first).
"""

from __future__ import annotations

import re

from central.staffkit import DEFAULT_PASSWORD, totp_now

HUB = "/staff/dashboard"


def sign_in(page, server, username: str, password: str = DEFAULT_PASSWORD, secret: str | None = None,
            next_path: str = HUB) -> None:
    page.goto(f"{server.url}/staff/sign-in?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main form[method=post] button[type=submit]")
    if secret:
        page.wait_for_url(re.compile(r".*/staff/sign-in/totp.*"))
        page.fill("#code", totp_now(secret))
        page.click("main form[method=post] button[type=submit]")
    page.wait_for_url(re.compile(".*" + re.escape(next_path) + "$"))


# Counts pixels that are not fully transparent and not white: ECharts' canvas is transparent where
# nothing is drawn.
_INK = """(id) => {
  const canvas = document.querySelector('#' + CSS.escape(id) + ' .chart__canvas canvas');
  if (!canvas) return -1;
  const ctx = canvas.getContext('2d');
  const d = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 0; i < d.length; i += 4) {
    if (d[i + 3] > 0 && !(d[i] > 250 && d[i + 1] > 250 && d[i + 2] > 250)) ink++;
  }
  return ink;
}"""


def chart_ink(page, chart_id: str, timeout: float = 10_000) -> int:
    """How many non-blank pixels the chart's canvas holds, once drawn (-1: no canvas)."""
    page.wait_for_selector(f"#{chart_id} .chart__canvas[data-drawn='1']", state="attached", timeout=timeout)
    return page.evaluate(_INK, chart_id)


def chart_drew(page, chart_id: str, timeout: float = 10_000) -> bool:
    return chart_ink(page, chart_id, timeout) > 0


def table_rows(page, chart_id: str) -> list[list[str]]:
    return page.evaluate("""(id) => Array.from(document.querySelectorAll('#' + CSS.escape(id) + ' table tbody tr'))
        .map(tr => Array.from(tr.children).map(c => c.textContent.trim()))""", chart_id)


def table_columns(page, chart_id: str) -> list[str]:
    return page.evaluate("""(id) => Array.from(document.querySelectorAll('#' + CSS.escape(id) + ' table thead th'))
        .map(th => th.textContent.trim())""", chart_id)
