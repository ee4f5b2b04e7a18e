"""The one exception root of the rules layer.

Messages are English msgids with ``{named}`` placeholders; the i18n layer translates them (Indonesian
first) so that the domain stays free of any catalog or locale machinery.
"""

from __future__ import annotations


class DomainError(Exception):
    """Root of every error the pure rules raise."""


class ValidationError(DomainError):
    """Input that breaks a rule. ``field`` names the offending field (dotted path) when there is one."""

    def __init__(self, message: str, *, field: str | None = None, **params: object) -> None:
        self.message = message
        self.field = field
        self.params = params
        super().__init__(self.render())

    def render(self, translate=lambda s: s) -> str:
        text = translate(self.message).format(**self.params)
        return f"{self.field}: {text}" if self.field else text


class InvalidTransition(DomainError):
    """A complaint status change that the workflow does not allow."""
