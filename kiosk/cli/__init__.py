"""The ``kiosk`` command: every citizen and staff action has a scriptable twin here.

Each module in this package adds its own subcommands through ``register(subparsers)`` and calls the
same functions the screens call. This file holds what all commands share: ``--config``,
``--data-dir`` and ``--json``, and one mapping from our errors to exit codes and messages
(0 success, 2 bad input or configuration, 1 anything else that went wrong).
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from ..config import Config, load_config
from ..errors import ConfigError, KioskError, NotFound, StoreDamaged, ValidationError
from ..i18n import both

# Each module registers its own subcommands. Listed, not discovered, so the help stays in this order.
COMMAND_MODULES = (
    "kiosk.cli.citizen",
    "kiosk.cli.staff",
    "kiosk.cli.printing",
    "kiosk.cli.sync",
    "kiosk.cli.central",
    "kiosk.cli.deploy",
    "kiosk.cli.ui",
)

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
# Commands whose start-up time matters get a parser of their own module only: the full one imports
# every command's module (the store, the PDF code, the server), a quarter of a second before the
# kiosk's window could even open.
QUICK_COMMANDS = {"run": "kiosk.cli.ui"}


class Context:
    """What a command gets: the parsed arguments and a lazily loaded config."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            cfg = load_config(self.args.config)
            if self.args.data_dir:
                cfg = cfg.with_data_dir(self.args.data_dir)
            self._config = cfg
        return self._config

    @property
    def as_json(self) -> bool:
        return bool(self.args.json)

    def emit(self, data: Any, text: str | Callable[[], str]) -> None:
        """Print ``data`` as JSON with --json, else the human text."""
        if self.as_json:
            print_json(data)
        else:
            print(text() if callable(text) else text)


def print_json(data: Any) -> None:
    print(json.dumps(to_jsonable(data), ensure_ascii=False, indent=2))


def to_jsonable(value: Any) -> Any:
    # Imported here: `kiosk run` starts through this module, and the app's start-up does not need them.
    from dataclasses import asdict, is_dataclass
    from decimal import Decimal
    from fractions import Fraction

    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k.value if isinstance(k, Enum) else k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Fraction):
        return round(float(value), 4)
    if isinstance(value, Path):
        return str(value)
    return value


def write_output(path: str, data: bytes) -> Path:
    """Write a command's document (a PDF) to ``path``; a folder that cannot be written is bad input."""
    out = Path(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as exc:
        raise ValidationError("Cannot write {path}: {reason}", path=str(out), reason=exc.strerror or str(exc)) from None
    return out


# Deeper than any catalog, complaint or form we read (a catalog is 5 levels); a document nested
# deeper is hostile or broken, and would only crash a recursive walk further on.
JSON_MAX_DEPTH = 64


def _(msgid: str) -> str:
    """Marks an English msgid (translated in assets/locale/*/LC_MESSAGES/cli_safety.po)."""
    return msgid


def load_json(text: str) -> Any:
    """The one JSON parser for what a user gives the command line (files, standard input).

    json.loads alone lets bad input escape as a traceback: nesting past the C scanner's limit raises
    RecursionError, an integer of more than 4,300 digits raises a bare ValueError (Python's
    int_max_str_digits), NaN and 1e999 come back as numbers no rule expects. All of them are bad
    input here, with one message each.
    """
    try:
        value = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            "The input is not valid JSON (line {line}, column {column}: {reason}).",
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        ) from None
    except RecursionError:
        raise ValidationError("The JSON input is nested too deeply (at most {limit} levels).",
                              limit=JSON_MAX_DEPTH) from None
    except ValueError:
        # int(): "Exceeds the limit (4300 digits) for integer string conversion"; our _refuse_* too.
        raise ValidationError("The JSON input holds a number that is too long or not a real number.") from None
    if _depth_over(value, JSON_MAX_DEPTH):
        raise ValidationError("The JSON input is nested too deeply (at most {limit} levels).", limit=JSON_MAX_DEPTH)
    return value


def _refuse_constant(name: str) -> float:
    raise ValueError(name)  # NaN, Infinity, -Infinity: not JSON, and no count or score of ours


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)  # 1e999
    return value


def _depth_over(value: Any, limit: int) -> bool:
    # Iterative: the point is to refuse what a recursive walk could not survive.
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def read_json_input(source: str) -> Any:
    """Read a JSON document from a file path or '-' (standard input), with bad input as ValidationError."""
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError("The file {path} does not exist.", path=source) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError("The file {path} cannot be read: {reason}", path=source, reason=str(exc)) from None
    return load_json(text)


def number(kind: type = int, *, low: float | None = None, high: float | None = None,
           above: bool = False) -> Callable[[str], Any]:
    """An argparse ``type`` for a whole number (``kind=int``) or a number (``float``) in a range.

    ``low`` is the least value allowed (the least excluded with ``above``), ``high`` the most. Every
    number the command line takes goes through here, so "-5 hours", "nan", "inf" and a 5,000-digit
    integer all end the same way: exit 2 and a message in Indonesian and English, never a traceback
    or a value that breaks later (timedelta(hours=inf) overflows).
    """

    def convert(text: str) -> Any:
        shown = text if len(text) <= 24 else text[:20] + "..."
        try:
            value = kind(text)
        except ValueError:
            msgid = _("must be a whole number, not {value}") if kind is int else _("must be a number, not {value}")
            raise argparse.ArgumentTypeError(both(msgid, value=shown)) from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(both(_("must be a number, not {value}"), value=shown))
        if low is not None and (value <= low if above else value < low):
            msgid = _("must be more than {low}") if above else _("must be at least {low}")
            raise argparse.ArgumentTypeError(both(msgid, low=low))
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(both(_("must be at most {high}"), high=high))
        return value

    convert.__name__ = kind.__name__  # argparse names the type in its own messages
    return convert


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool, json_flag: bool = True) -> None:
    # Subcommands repeat the shared options with SUPPRESS defaults, so that they work before or after
    # the command name without the subcommand's defaults overwriting what came before it.
    d = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: config.toml of the repo)", **d)
    parser.add_argument("--data-dir", metavar="DIR", help="folder of the kiosk database (overrides the config)", **d)
    if json_flag:
        parser.add_argument("--json", action="store_true", help="machine-readable JSON output", **d)


def common_parent(*, json_flag: bool = True) -> argparse.ArgumentParser:
    """The parent parser every subcommand takes (without --json for commands that read JSON input)."""
    parent = argparse.ArgumentParser(add_help=False)
    _add_common(parent, suppress=True, json_flag=json_flag)
    return parent


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="iPLiK Kiosk: the public-service kiosk and its central server.",
    )
    _add_common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common = common_parent()
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A kiosk installed without the server extra has no FastAPI: its commands are simply absent.
            if exc.name and (exc.name == name or not exc.name.startswith("kiosk")):
                continue
            raise
        module.register(sub, common)
    return parser


def _command_of(argv: list[str]) -> str | None:
    pre = argparse.ArgumentParser(add_help=False)
    _add_common(pre, suppress=False)
    pre.add_argument("command", nargs="?")
    known, _rest = pre.parse_known_args(argv)
    return known.command


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = QUICK_COMMANDS.get(_command_of(argv) or "")
    parser = build_parser((quick,) if quick else COMMAND_MODULES)
    args = parser.parse_args(argv)
    from .. import logs

    # The services (the app, the sync worker) tell the journal what they do; a one-shot command only
    # what went wrong. IPLIK_LOG_LEVEL overrides both.
    logs.setup("info" if args.command == "run" or getattr(args, "watch", False) else "warning")
    ctx = Context(args)
    try:
        try:
            return args.handler(ctx) or EXIT_OK
        except Exception as exc:
            found = database_failure(exc)
            if found is None:
                raise
            return _fail(ctx, "damaged_database" if is_corruption(found) else "database_failed",
                         _database_message(ctx, found), None, exc, EXIT_FAILED)
    except ValidationError as exc:
        return _fail(ctx, "invalid_input", "", exc.field, exc, EXIT_BAD_INPUT)
    except NotFound as exc:
        return _fail(ctx, "not_found", both(exc.message, **exc.params), None, exc, EXIT_BAD_INPUT)
    except ConfigError as exc:
        return _fail(ctx, "bad_config", str(exc), None, exc, EXIT_BAD_INPUT)
    except KioskError as exc:
        return _fail(ctx, "failed", str(exc), None, exc, EXIT_FAILED)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` and cut short: not an error of ours.
        sys.stderr.close()
        return EXIT_OK


def database_failure(exc: BaseException) -> Exception | None:
    """The sqlite3 error behind ``exc``: itself, its cause or context, or a SQLAlchemy error's ``orig``.

    A damaged page surfaces anywhere (a catalog search, a status count, the store's migration at open)
    and arrives raw, wrapped in our StoreError, or in SQLAlchemy's; the command line names it the
    same way whatever the path. Our own errors that are not about the file keep their message.
    """
    import sqlite3

    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    found = None
    while stack:
        e = stack.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, (sqlite3.Error, StoreDamaged)):
            if is_corruption(e):
                return e
            found = found or e
        stack += [e.__cause__, e.__context__, getattr(e, "orig", None)]
    # Other SQLite failures (I/O, read-only) only when nothing of ours explained them already.
    return found if not isinstance(exc, KioskError) else None


def is_corruption(exc: BaseException) -> bool:
    # The store knows SQLite's codes; imported on the error path only.
    from ..store.db import is_damage

    return is_damage(exc)


def _database_message(ctx: Context, exc: Exception) -> str:
    reason = str(exc)
    if getattr(ctx.args, "command", None) == "central":
        if is_corruption(exc):
            return both(_("The central database is damaged ({reason}). Stop the server and restore the "
                          "newest backup."), reason=reason)
        return both(_("The central database could not be read or written ({reason})."), reason=reason)
    path = str(ctx.config.db_path)
    if is_corruption(exc):
        return both(_("The kiosk database {path} is damaged ({reason}). Run kiosk doctor: it names what "
                      "is damaged and how to recover what is left."), path=path, reason=reason)
    return both(_("The kiosk database {path} could not be read or written ({reason}). Run kiosk doctor."),
                path=path, reason=reason)


def _fail(ctx: Context, code: str, message: str, field: str | None, exc: Exception, exit_code: int) -> int:
    if isinstance(exc, ValidationError):
        message = both(exc.message, **exc.params)
        if exc.field:
            message = f"{exc.field}: {message}"
    if ctx.as_json:
        print(json.dumps({"error": code, "field": field, "message": message}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"kiosk: {message}", file=sys.stderr)
    return exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
