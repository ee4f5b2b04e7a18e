"""Pure rules of the kiosk: no I/O, and nothing else of the project is imported here."""
