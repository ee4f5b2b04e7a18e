"""The standards editor (issue 15): drafts of an agency's standards and services, their review and
publication as the next catalog version, history and diff, the kiosk preview, JSON and CSV import/export.

Queries here know no HTTP; the pages are in ``kiosk.central.web`` (docs/standards-editor.md).
"""
