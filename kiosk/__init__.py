"""iPLiK Kiosk: offline-first public-service kiosk and its central server."""

__version__ = "0.1.0"
