"""The configuration of one kiosk: ``config.toml`` read with tomllib and checked strictly.

A typo in a key silently ignored is how a kiosk ends up printing to the wrong queue for a month, so an
unknown key or a wrong type stops the start with a message naming the file and the key. Sections and
keys that are left out take the defaults documented in the repository's ``config.toml``.

The sections are typed named tuples rather than frozen dataclasses: just as immutable and typed, and
five times cheaper to define, which matters because this module is on the kiosk's start-up path before
the window exists (dataclass creation cost 6 ms here; see bench/bench_ui_start.py).
"""

from __future__ import annotations

import base64
import binascii
import re
import tomllib
import typing
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .paths import ROOT

DEFAULT_CONFIG = ROOT / "config.toml"


class KioskSection(typing.NamedTuple):
    id: str = "kiosk-01"
    name: str = "iPLiK Kiosk"
    data_dir: str = "var"


class OfficeSection(typing.NamedTuple):
    name: str = "Kantor Gubernur Nusa Tenggara Barat"
    agency_id: str = ""
    unit: str = ""
    timezone: str = "Asia/Makassar"
    holidays: tuple[str, ...] = ()


class UiSection(typing.NamedTuple):
    languages: tuple[str, ...] = ("id", "en")
    idle_timeout_s: int = 90
    idle_countdown_s: int = 20
    large_text: bool = False
    primary_color: str = "#0B5394"
    fullscreen: bool = True


class AdminSection(typing.NamedTuple):
    pin_hash: str = ""
    max_attempts: int = 5
    lockout_s: int = 300


class PrinterSection(typing.NamedTuple):
    backend: str = "pdf"
    queue: str = "KioskReceipt"
    pdf_dir: str = "printed"
    paper_width_mm: int = 80
    roll_length_m: float = 50.0


class ServerSection(typing.NamedTuple):
    url: str = ""
    ca_bundle: str = ""
    timeout_s: float = 15.0


class TrackingSection(typing.NamedTuple):
    url_template: str = "https://iplik.ntbprov.go.id/lacak/{code}"


class TransparencySection(typing.NamedTuple):
    # The central server's public page of every agency's figures; {agency} is the agency's catalog id,
    # its block's anchor. Same host as the tracking page by default.
    url_template: str = "https://iplik.ntbprov.go.id/transparansi#{agency}"


class SurveySection(typing.NamedTuple):
    mode: str = "full"
    repeat_tap_interval_s: float = 3.0


# The DEMO key's public half (its private half is in kiosk/central/identity_keys.py, used by `kiosk
# central demo` only). A kiosk that is not enrolled seals identities with the configured key; doctor
# warns while it is this one.
DEMO_IDENTITY_PUBLIC_KEY = "hB9muZ7EDeQl8eGX0z86zN2vmbc1edzi52kJLUPNi0k="


class PrivacySection(typing.NamedTuple):
    consent_version: str = "pdp-2026-11"
    identity_public_key: str = DEMO_IDENTITY_PUBLIC_KEY


class Config(typing.NamedTuple):
    kiosk: KioskSection = KioskSection()
    office: OfficeSection = OfficeSection()
    ui: UiSection = UiSection()
    admin: AdminSection = AdminSection()
    printer: PrinterSection = PrinterSection()
    server: ServerSection = ServerSection()
    tracking: TrackingSection = TrackingSection()
    transparency: TransparencySection = TransparencySection()
    survey: SurveySection = SurveySection()
    privacy: PrivacySection = PrivacySection()
    # Where the file was read from: relative paths in it are relative to this folder.
    source: Path = DEFAULT_CONFIG

    @property
    def data_dir(self) -> Path:
        return self._resolve(self.kiosk.data_dir)

    @property
    def pdf_dir(self) -> Path:
        p = Path(self.printer.pdf_dir)
        return p if p.is_absolute() else self.data_dir / p

    @property
    def db_path(self) -> Path:
        return self.data_dir / "kiosk.db"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)

    @property
    def holidays(self) -> frozenset[date]:
        return frozenset(date.fromisoformat(d) for d in self.office.holidays)

    def tracking_url(self, code: str) -> str:
        return self.tracking.url_template.replace("{code}", code)

    def transparency_url(self, agency_id: str) -> str:
        """What a service page's QR opens: the public page at this agency's block."""
        return self.transparency.url_template.replace("{agency}", agency_id)

    def with_data_dir(self, data_dir: Path | str) -> Config:
        return self._replace(kiosk=self.kiosk._replace(data_dir=str(Path(data_dir).resolve())))

    def _resolve(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.source.parent / p).resolve()


_SECTIONS: dict[str, type] = {
    name: tp for name, tp in typing.get_type_hints(Config).items() if name != "source"
}


def _type_name(tp: object) -> str:
    return {str: "text", int: "a whole number", float: "a number", bool: "true or false"}.get(
        tp, "a list of texts"  # type: ignore[arg-type]
    )


def _check_type(value: object, tp: object) -> object | None:
    """The value converted to ``tp`` or None when it does not fit. TOML ints are fine where floats go."""
    if tp is bool:
        return value if isinstance(value, bool) else None
    if tp is int:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        return None
    if tp is str:
        return value if isinstance(value, str) else None
    if typing.get_origin(tp) is tuple:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return None
    raise AssertionError(f"unsupported config type {tp!r}")


_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _semantic_checks(cfg: Config) -> list[tuple[str, str]]:
    """(key, problem) pairs for values of the right type that still make no sense."""
    problems: list[tuple[str, str]] = []
    # The bounds the central server's kiosk settings are checked with too (one list, in the domain).
    from .domain.kiosk_settings import IDLE_COUNTDOWN_S, IDLE_TIMEOUT_S, LANGUAGES, SURVEY_MODES

    langs = cfg.ui.languages
    if not langs or any(lang not in LANGUAGES for lang in langs) or len(set(langs)) != len(langs):
        problems.append(("ui.languages", 'must list "id" and/or "en", each once'))
    if not IDLE_TIMEOUT_S[0] <= cfg.ui.idle_timeout_s <= IDLE_TIMEOUT_S[1]:
        problems.append(("ui.idle_timeout_s", f"must be between {IDLE_TIMEOUT_S[0]} and {IDLE_TIMEOUT_S[1]} seconds"))
    if not IDLE_COUNTDOWN_S[0] <= cfg.ui.idle_countdown_s <= IDLE_COUNTDOWN_S[1]:
        problems.append(("ui.idle_countdown_s", f"must be between {IDLE_COUNTDOWN_S[0]} and {IDLE_COUNTDOWN_S[1]} seconds"))
    if not _HEX_COLOR.match(cfg.ui.primary_color):
        problems.append(("ui.primary_color", 'must be a colour like "#0B5394"'))
    # The whole hash is checked, not its prefix: a damaged one would otherwise lock staff out silently.
    # (A PIN hash sent by the central server takes precedence on the kiosk; see kiosk.store.staff_pin.)
    from .domain.pin import is_pin_hash

    if cfg.admin.pin_hash and not is_pin_hash(cfg.admin.pin_hash):
        problems.append(("admin.pin_hash", "must be made with `kiosk admin hash-pin`"))
    if not 1 <= cfg.admin.max_attempts <= 20:
        problems.append(("admin.max_attempts", "must be between 1 and 20"))
    if cfg.admin.lockout_s < 0:
        problems.append(("admin.lockout_s", "must not be negative"))
    if cfg.printer.backend not in ("cups", "pdf", "none"):
        problems.append(("printer.backend", 'must be "cups", "pdf" or "none"'))
    if cfg.printer.paper_width_mm not in (58, 80):
        problems.append(("printer.paper_width_mm", "must be 58 or 80"))
    if not 1 <= cfg.printer.roll_length_m <= 1000:
        problems.append(("printer.roll_length_m", "must be between 1 and 1000 metres"))
    if cfg.server.url and not cfg.server.url.startswith(("http://", "https://")):
        problems.append(("server.url", "must start with https:// (or http:// on a test network)"))
    if not 1 <= cfg.server.timeout_s <= 300:
        problems.append(("server.timeout_s", "must be between 1 and 300 seconds"))
    if "{code}" not in cfg.tracking.url_template:
        problems.append(("tracking.url_template", "must contain {code}"))
    if "{agency}" not in cfg.transparency.url_template:
        problems.append(("transparency.url_template", "must contain {agency}"))
    elif not cfg.transparency.url_template.startswith(("https://", "http://")):
        problems.append(("transparency.url_template", "must start with https:// (or http:// on a test network)"))
    if cfg.survey.mode not in SURVEY_MODES:
        problems.append(("survey.mode", 'must be "full" or "quick"'))
    if not 0 <= cfg.survey.repeat_tap_interval_s <= 60:
        problems.append(("survey.repeat_tap_interval_s", "must be between 0 and 60 seconds"))
    if not cfg.privacy.consent_version.strip():
        problems.append(("privacy.consent_version", "must not be empty"))
    if not _is_x25519_key(cfg.privacy.identity_public_key):
        problems.append(("privacy.identity_public_key",
                         "must be the central server's public key (print it with `kiosk central keys public`)"))
    try:
        ZoneInfo(cfg.office.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("office.timezone", "must be a time zone such as Asia/Makassar"))
    for d in cfg.office.holidays:
        try:
            date.fromisoformat(d)
        except ValueError:
            problems.append(("office.holidays", f"{d!r} is not a date like 2026-12-25"))
    return problems


def _is_x25519_key(text: str) -> bool:
    """A 32-byte key in base64; checked here without the crypto library (it is not on the start-up path)."""
    try:
        return len(base64.b64decode(text.strip(), validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def parse_config(raw: dict, source: Path) -> Config:
    """Build a Config from a parsed TOML document, or raise ConfigError naming the file and key."""

    def fail(key: str, problem: str) -> typing.NoReturn:
        raise ConfigError(f"{source}: {key} {problem}")

    sections = {}
    for name, value in raw.items():
        if name not in _SECTIONS:
            fail(name, f"is not a known section (known: {', '.join(_SECTIONS)})")
        if not isinstance(value, dict):
            fail(name, "must be a [section]")
        cls = _SECTIONS[name]
        hints = typing.get_type_hints(cls)
        values = {}
        for key, item in value.items():
            if key not in hints:
                fail(f"{name}.{key}", f"is not a known key (known: {', '.join(hints)})")
            checked = _check_type(item, hints[key])
            if checked is None:
                fail(f"{name}.{key}", f"must be {_type_name(hints[key])}, not {item!r}")
            values[key] = checked
        sections[name] = cls(**values)
    cfg = Config(**sections, source=source.resolve())
    problems = _semantic_checks(cfg)
    if problems:
        key, problem = problems[0]
        fail(key, problem)
    return cfg


def read_toml(source: Path, error: type[Exception], what: str) -> dict:
    """A TOML file of the kiosk's (``what``: "configuration file", "form file"), or ``error`` naming it."""
    try:
        with source.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise error(f"{source}: the {what} does not exist") from None
    except OSError as exc:
        raise error(f"{source}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{source}: is not valid TOML ({exc})") from None


def load_config(path: Path | str | None = None) -> Config:
    source = Path(path) if path else DEFAULT_CONFIG
    return parse_config(read_toml(source, ConfigError, "configuration file"), source)
