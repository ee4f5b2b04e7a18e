"""The SKM report a unit publishes each period (PermenPANRB 14/2017), as PDF, XLSX and CSV.

Writers only: they take an :class:`~kiosk.central.analytics.figures.IkmFigure` and return bytes or text,
with no database and no HTTP. ``skm_tables`` turns a figure into rows (one function, so the XLSX and the
CSV hold the same numbers); ``skm_pdf`` lays the same figure out on A4; ``numbers`` rounds and writes the
numbers the way both do.
"""
