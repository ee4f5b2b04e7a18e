"""Satisfaction and service performance for the province (issue 14): SQL that returns plain data.

Query modules only: no HTTP, no templates. Pages (``web/dashboard_*``), reports (``reports/``), alerts
and the CLI read the dataclasses of ``figures``. The rules behind every number are in
``docs/analytics.md``.

- ``periods``     quarter, semester, year, any range; local days in the server's time zone
- ``figures``     the results (IkmFigure, QuickFigure, HandlingFigure, ComplianceFigure, Ranking, Alert)
- ``units``       agencies and services (newest catalog), offices and kiosks (devices), with names
- ``ikm``         IKM per unit from the daily rollup ``ikm_days``:
                  ``ikm_by_unit(conn, settings, kind, period, agencies=None) -> list[IkmFigure]``
- ``quick``       quick ratings: ``quick_by_unit(conn, settings, kind, period, agencies=None) -> list[QuickFigure]``
- ``handling``    complaint handling: ``handling_by_agency(conn, settings, period, agencies=None) -> list[HandlingFigure]``
                  and ``handling_total(conn, settings, period, agencies=None) -> HandlingFigure``
- ``compliance``  ``compliance_by_agency(conn, agencies=None) -> list[ComplianceFigure]`` and its history
- ``ranking``     ``rank(components, weights) -> Ranking`` (pure) and ``ranking(conn, settings, period)``
- ``alerts``      ``current_alerts(conn, settings, today, agencies=None) -> list[Alert]``, and the digest
- ``rollup``      keeps the rollup tables current; ``kiosk central tick`` calls ``refresh(engine, settings)``

``agencies=None`` means every agency (admin, desk, viewer); an officer's pages pass their agencies.
"""
