"""Every citizen and staff action of the kiosk, as plain functions on one object.

The touchscreen and the ``kiosk`` command line both call these, so a flow tested from the shell is the
flow a citizen gets (sqlite-utils' CLI is a thin layer over its library in the same way). Calls here
do I/O (SQLite, PDF rendering): the UI runs them off its thread.

CONTRACT (implementation in progress; signatures are stable):

    kiosk = Kiosk.open(config)                      # opens/migrates the store under config.data_dir
    kiosk.catalog_info() -> CatalogInfo             # version, demo flag, notice, counts
    kiosk.agencies() -> list[Agency]                # sorted by name
    kiosk.agency(agency_id) -> Agency               # NotFound
    kiosk.services(agency_id) -> list[Service]      # sorted by name
    kiosk.service(service_id) -> Service            # NotFound
    kiosk.search(text, limit=30) -> list[SearchHit] # prefix, case- and accent-insensitive
    kiosk.service_ikm(service_id) -> IkmResult | None
    kiosk.ikm(agency_id=None, service_id=None) -> IkmResult | None
    kiosk.file_complaint(raw: dict) -> FiledComplaint    # ValidationError; writes record + outbox
    kiosk.receipt_pdf(code, lang="id") -> bytes          # NotFound
    kiosk.track(code) -> TrackResult                     # ValidationError (typo), NotFound
    kiosk.add_survey(raw: dict) -> str (uuid)            # ValidationError
    kiosk.add_quick_rating(raw: dict) -> str (uuid)
    kiosk.status() -> KioskStatus
"""
