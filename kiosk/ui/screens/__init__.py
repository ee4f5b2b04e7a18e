"""The screens: one module and one ``.kv`` file each, imported the first time they are shown.

:data:`SCREENS` names each screen's module and class; :class:`ScreenCache` imports a module on first
use (which loads its KV file once), creates the screen once, and keeps it for the life of the app.
"""

from __future__ import annotations

import importlib

from kivy.uix.screenmanager import ScreenManager

from .base import KScreen

SCREENS: dict[str, tuple[str, str]] = {
    "home": ("kiosk.ui.screens.home", "HomeScreen"),
    "agencies": ("kiosk.ui.screens.agencies", "AgenciesScreen"),
    "services": ("kiosk.ui.screens.services", "ServicesScreen"),
    "service": ("kiosk.ui.screens.service", "ServiceScreen"),
    "compliance": ("kiosk.ui.screens.compliance", "ComplianceScreen"),
    "search": ("kiosk.ui.screens.search", "SearchScreen"),
    "complaint": ("kiosk.ui.screens.complaint", "ComplaintScreen"),
    "survey": ("kiosk.ui.screens.survey", "SurveyScreen"),
    "track": ("kiosk.ui.screens.track", "TrackScreen"),
    "forms": ("kiosk.ui.screens.forms", "FormsScreen"),
    "admin": ("kiosk.ui.screens.admin", "AdminScreen"),
}


class ScreenCache:
    def __init__(self, manager: ScreenManager) -> None:
        self.manager = manager
        self._screens: dict[str, KScreen] = {}

    def get(self, name: str) -> KScreen:
        screen = self._screens.get(name)
        if screen is None:
            module_name, class_name = SCREENS[name]
            cls = getattr(importlib.import_module(module_name), class_name)
            screen = cls(name=name)
            self.manager.add_widget(screen)
            self._screens[name] = screen
        return screen

    def has(self, name: str) -> bool:
        return name in self._screens

    def loaded(self) -> list[KScreen]:
        return list(self._screens.values())


__all__ = ["SCREENS", "KScreen", "ScreenCache"]
