"""``kiosk doctor`` and ``kiosk config set``: what a technician runs on a kiosk.

    kiosk doctor                 # every check; exit 1 when something needs a technician
    kiosk doctor --quick         # config, database, disk (deploy/update.sh runs this after a switch)
    kiosk doctor --no-hardware   # on a developer's machine: no display, touchscreen or services
    kiosk config set printer.paper_width_mm=58 kiosk.name="Kiosk Lobi"   # edit config.toml in place

``config set`` keeps the file's comments and layout, changes only the named keys, and refuses a value
that the kiosk would refuse at start (the same validation as ``kiosk.config``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import tomllib
import typing
from pathlib import Path

from ..config import DEFAULT_CONFIG, _SECTIONS, parse_config
from ..errors import ConfigError
from ..i18n import both
from . import EXIT_FAILED, EXIT_OK, Context, _, number


def cmd_doctor(ctx: Context) -> int:
    from ..doctor import Options, diagnose

    a = ctx.args
    if a.recover:
        return _recover(ctx)
    opts = Options(
        quick=a.quick,
        hardware=not a.no_hardware,
        network=not a.no_network,
        sysroot=Path(a.sysroot),
        disk_warn_mb=a.disk_warn_mb,
        disk_fail_mb=a.disk_fail_mb,
        skew_warn_s=a.skew_warn_s,
        skew_fail_s=a.skew_fail_s,
        skip=frozenset(a.skip or ()),
    )
    report = diagnose(a.config, data_dir=getattr(a, "data_dir", None), options=opts)
    ctx.emit(report.to_dict(), report.text)
    return EXIT_FAILED if report.needs_technician else EXIT_OK


def _recover(ctx: Context) -> int:
    from ..doctor import RECORD_TABLES
    from ..recovery import recover

    done = recover(ctx.config.db_path)
    lost = [t for t in done.incomplete if t in RECORD_TABLES]

    def text() -> str:
        lines = [both(_("Recovered {path}; the damaged files are kept in {aside}."),
                      path=str(done.path), aside=str(done.kept_aside))]
        lines += [f"  {t.name:<28} {t.copied:>8}" + ("  (!)" if not t.readable else "") for t in done.tables]
        if done.incomplete:
            lines.append(both(_("Rows on damaged pages could not be read in: {names}."), names=", ".join(done.incomplete)))
        if lost:
            lines.append(both(_("Complaints or ratings not yet sent may be lost: compare with the copy kept aside, "
                                "or restore a backup.")))
        lines.append(both(_("Run kiosk doctor again, then start the kiosk; a damaged catalog is loaded again "
                            "with kiosk init --catalog FILE or the next sync.")))
        return "\n".join(lines)

    ctx.emit({"path": done.path, "kept_aside": done.kept_aside, "tables": done.tables,
              "incomplete": done.incomplete}, text)
    return EXIT_FAILED if lost else EXIT_OK


# --- config set ------------------------------------------------------------------------------------

_SECTION_RE = re.compile(r"^\s*\[([A-Za-z0-9_.-]+)\]\s*(#.*)?$")


def _literal(key: str, tp: object, raw: str) -> str:
    """The TOML text for ``raw`` as the type the config wants at ``key``."""
    if tp is bool:
        low = raw.strip().lower()
        if low in ("true", "yes", "1", "on"):
            return "true"
        if low in ("false", "no", "0", "off"):
            return "false"
        raise ConfigError(f"{key}: must be true or false, not {raw!r}")
    if tp is int:
        try:
            return str(int(raw))
        except ValueError:
            raise ConfigError(f"{key}: must be a whole number, not {raw[:24]!r}") from None
    if tp is float:
        try:
            return repr(float(raw))
        except ValueError:
            raise ConfigError(f"{key}: must be a number, not {raw[:24]!r}") from None
    if tp is str:
        return json.dumps(raw, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    raise ConfigError(f"{key}: lists are edited in the file itself")


def set_key(text: str, section: str, key: str, literal: str) -> str:
    """``text`` with ``section.key = literal``: the key's line replaced, or added to its section."""
    lines = text.splitlines(keepends=True)
    start = end = None
    for i, line in enumerate(lines):
        m = _SECTION_RE.match(line)
        if m and start is None and m.group(1) == section:
            start = i
        elif m and start is not None:
            end = i
            break
    new = f"{key} = {literal}\n"
    if start is None:
        sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return text + f"{sep}[{section}]\n{new}"
    end = len(lines) if end is None else end
    key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for i in range(start + 1, end):
        if key_re.match(lines[i]):
            lines[i] = new
            return "".join(lines)
    last = start
    for i in range(start + 1, end):
        if lines[i].strip() and not lines[i].lstrip().startswith("#"):
            last = i
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, new)
    return "".join(lines)


def cmd_config_set(ctx: Context) -> int:
    path = Path(ctx.args.config) if ctx.args.config else DEFAULT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    original = text
    changed = []
    for item in ctx.args.settings:
        name, sep, raw = item.partition("=")
        section, dot, key = name.strip().partition(".")
        if not sep or not dot:
            raise ConfigError(f"{item!r}: write section.key=value, e.g. printer.paper_width_mm=58")
        if section not in _SECTIONS:
            raise ConfigError(f"{section}: is not a known section (known: {', '.join(_SECTIONS)})")
        hints = typing.get_type_hints(_SECTIONS[section])
        if key not in hints:
            raise ConfigError(f"{section}.{key}: is not a known key (known: {', '.join(hints)})")
        text = set_key(text, section, key, _literal(f"{section}.{key}", hints[key], raw))
        changed.append(f"{section}.{key}")
    try:
        parse_config(tomllib.loads(text), path)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: the result would not be valid TOML ({exc})") from None
    if text != original:
        # Same folder, same mode and owner, then a rename: never a half-written config.
        st = path.stat()
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, st.st_mode & 0o7777)
            if os.geteuid() == 0:
                os.chown(tmp, st.st_uid, st.st_gid)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    ctx.emit({"file": str(path), "set": changed, "changed": text != original},
             f"{path}: " + (f"set {', '.join(changed)}" if text != original else "unchanged"))
    return EXIT_OK


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("doctor", parents=[common], help="check that this kiosk is fit for service (technicians)")
    p.add_argument("--quick", action="store_true", help="only config, database and disk (no hardware, no network)")
    p.add_argument("--no-hardware", action="store_true", help="skip display, touchscreen and services (a developer's machine)")
    p.add_argument("--no-network", action="store_true", help="skip the central server, token and clock checks")
    p.add_argument("--skip", action="append", metavar="CHECK",
                   help="leave out a check: config, disk, database, outbox, display, touch, services, printer, "
                        "paper, server, token, clock (repeatable)")
    p.add_argument("--disk-warn-mb", type=number(int, low=0), default=1024, metavar="MB", help="warn below this free space (default 1024)")
    p.add_argument("--disk-fail-mb", type=number(int, low=0), default=200, metavar="MB", help="fail below this free space (default 200)")
    p.add_argument("--skew-warn-s", type=number(float, low=0), default=60.0, metavar="S", help="warn when the clock is this far off (default 60)")
    p.add_argument("--skew-fail-s", type=number(float, low=0), default=300.0, metavar="S", help="fail when the clock is this far off (default 300)")
    p.add_argument("--recover", action="store_true",
                   help="rebuild a damaged database from every readable row (the kiosk must be stopped; "
                        "the damaged file is kept aside)")
    p.add_argument("--sysroot", default="/", help=argparse.SUPPRESS)  # tests: a fake /dev, /sys and /run
    p.set_defaults(handler=cmd_doctor)

    p = sub.add_parser("config", help="edit the configuration file (technicians)")
    cs = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    q = cs.add_parser("set", parents=[common], help="set keys in the config file: section.key=value ...")
    q.add_argument("settings", nargs="+", metavar="SECTION.KEY=VALUE")
    q.set_defaults(handler=cmd_config_set)
