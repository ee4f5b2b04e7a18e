"""The Kivy touchscreen app. Importing this package keeps Kivy's own settings sources (config.ini, KCFG_
variables, the process's arguments) away from it: see kiosk.ui.lockdown.seal_kivy_environment."""

from .lockdown import seal_kivy_environment

seal_kivy_environment()
