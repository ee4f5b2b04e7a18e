"""What a citizen does at the screen, from the command line: catalog, complaints, ratings, receipts."""

from __future__ import annotations

import argparse

from ..actions import Kiosk
from ..domain.catalog import ALL_COMPONENTS, PUBLIC_COMPONENTS
from ..errors import ValidationError
from . import Context, common_parent, number, print_json, read_json_input, write_output


def _kiosk(ctx: Context) -> Kiosk:
    return Kiosk.open(ctx.config)


def cmd_init(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    info = kiosk.load_catalog(ctx.args.catalog) if (ctx.args.demo or ctx.args.catalog) else kiosk.catalog_info()
    ctx.emit(
        {"data_dir": str(ctx.config.data_dir), "catalog": info},
        lambda: (
            f"Kiosk database ready at {ctx.config.db_path}\n"
            f"Catalog {info.version or '(none)'}: {info.agencies} agencies, {info.services} services"
            + (f"\n{info.notice}" if info.demo and info.notice else "")
        ),
    )
    return 0


def cmd_search(ctx: Context) -> int:
    hits = _kiosk(ctx).search(ctx.args.text, limit=ctx.args.limit)
    ctx.emit(hits, lambda: "\n".join(f"{h.service_id:40} {h.name}  [{h.agency_short}]" for h in hits) or "(no results)")
    return 0


def _show_service_text(kiosk: Kiosk, service_id: str) -> str:
    svc = kiosk.service(service_id)
    agency = kiosk.agency(svc.agency_id)
    lines = [svc.name, f"({svc.name_en})", agency.name, ""]
    for i, (key, name_id, _name_en) in enumerate(ALL_COMPONENTS):
        if i == len(PUBLIC_COMPONENTS):
            lines.append("-- internal components --")
        value = getattr(svc.standard, key)
        lines.append(f"{name_id}:")
        items = value if isinstance(value, tuple) else (value,)
        lines += [f"  {i}. {item}" if key == "procedure" else f"  - {item}" for i, item in enumerate(items, 1)]
    return "\n".join(lines)


def cmd_show(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    svc = kiosk.service(ctx.args.service_id)
    data = {"service": svc, "ikm": kiosk.service_ikm(svc.id)}
    ctx.emit(data, lambda: _show_service_text(kiosk, svc.id))
    return 0


def cmd_agencies(ctx: Context) -> int:
    agencies = _kiosk(ctx).agencies()
    ctx.emit(agencies, lambda: "\n".join(f"{a.id:14} {a.name}" for a in agencies))
    return 0


def _object(raw: object) -> dict:
    if not isinstance(raw, dict):
        raise ValidationError("The input must be a JSON object.")
    return raw


def cmd_complaint_file(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    filed = kiosk.file_complaint(_object(read_json_input(ctx.args.json_input)))
    print_json(
        {"uuid": filed.uuid, "tracking_code": filed.tracking_code, "status": filed.status, "created_at": filed.created_at}
    )
    return 0


def cmd_complaint_show(ctx: Context) -> int:
    result = _kiosk(ctx).track(ctx.args.code)
    ctx.emit(
        result,
        lambda: "\n".join(
            [f"{result.tracking_code}: {result.status.value} ({result.status_at:%Y-%m-%d %H:%M} UTC)"]
            + [f"  {e.at:%Y-%m-%d %H:%M}  {e.status.value}" for e in result.events]
            + ([f"Response: {result.response}"] if result.response else [])
            + [f"Due {due}: {label}" for label, due in result.deadlines]
        ),
    )
    return 0


def cmd_rating_add(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    raw = _object(read_json_input(ctx.args.json_input))
    # A quick rating is one face; a survey carries the nine answers.
    if "face" in raw:
        rid, kind = kiosk.add_quick_rating(raw), "quick"
    else:
        rid, kind = kiosk.add_survey(raw), "ikm"
    print_json({"uuid": rid, "kind": kind})
    return 0


def cmd_ikm(ctx: Context) -> int:
    result = _kiosk(ctx).ikm(agency_id=ctx.args.agency, service_id=ctx.args.service)

    def text() -> str:
        if result is None:
            return "No survey answers yet."
        lines = [f"IKM {result.score} ({result.band.mutu}, {result.band.kinerja_id}), {result.respondents} respondents"]
        lines += [f"  {code}: NRR {float(v):.3f}" for code, v in result.nrr.items()]
        return "\n".join(lines)

    ctx.emit(result, text)
    return 0


def cmd_krejcie(ctx: Context) -> int:
    from ..domain.ikm import krejcie_morgan

    n = krejcie_morgan(ctx.args.population)
    ctx.emit({"population": ctx.args.population, "minimum_sample": n}, f"Minimum sample: {n} respondents")
    return 0


def cmd_receipt(ctx: Context) -> int:
    pdf = _kiosk(ctx).receipt_pdf(ctx.args.code, lang=ctx.args.lang)
    out = write_output(ctx.args.out, pdf)
    ctx.emit({"out": str(out), "bytes": len(pdf)}, f"Receipt written to {out}")
    return 0


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    no_json = common_parent(json_flag=False)

    p = sub.add_parser("init", parents=[common], help="create or upgrade the kiosk database")
    p.add_argument("--demo", action="store_true", help="load the NTB demo catalog")
    p.add_argument("--catalog", metavar="FILE", help="load this catalog file")
    p.set_defaults(handler=cmd_init)

    cat = sub.add_parser("catalog", help="read the service catalog").add_subparsers(
        dest="catalog_command", metavar="ACTION", required=True
    )
    p = cat.add_parser("search", parents=[common], help="search services as the kiosk's search box does")
    p.add_argument("text")
    p.add_argument("--limit", type=number(int, low=1, high=1000), default=30)
    p.set_defaults(handler=cmd_search)
    p = cat.add_parser("show", parents=[common], help="a service's standard")
    p.add_argument("service_id")
    p.set_defaults(handler=cmd_show)
    p = cat.add_parser("agencies", parents=[common], help="list the agencies")
    p.set_defaults(handler=cmd_agencies)

    comp = sub.add_parser("complaint", help="file and look up complaints").add_subparsers(
        dest="complaint_command", metavar="ACTION", required=True
    )
    p = comp.add_parser("file", parents=[no_json], help="file a complaint from JSON (prints uuid, code, status)")
    p.add_argument("--json", dest="json_input", metavar="FILE|-", required=True, help="the complaint as JSON")
    p.set_defaults(handler=cmd_complaint_file)
    p = comp.add_parser("show", parents=[common], help="status of a complaint by tracking code")
    p.add_argument("code")
    p.set_defaults(handler=cmd_complaint_show)

    rating = sub.add_parser("rating", help="satisfaction ratings").add_subparsers(
        dest="rating_command", metavar="ACTION", required=True
    )
    p = rating.add_parser("add", parents=[no_json], help="add an IKM survey or a quick rating from JSON")
    p.add_argument("--json", dest="json_input", metavar="FILE|-", required=True)
    p.set_defaults(handler=cmd_rating_add)

    p = sub.add_parser("ikm", parents=[common], help="the IKM of the surveys filed at this kiosk")
    p.add_argument("--agency", metavar="ID")
    p.add_argument("--service", metavar="ID")
    p.set_defaults(handler=cmd_ikm)

    p = sub.add_parser("sample-size", parents=[common], help="Krejcie-Morgan minimum IKM sample for a population")
    p.add_argument("population", type=number(int, low=1))
    p.set_defaults(handler=cmd_krejcie)

    p = sub.add_parser("receipt", parents=[common], help="write a complaint's receipt as PDF")
    p.add_argument("code")
    p.add_argument("--out", required=True, metavar="FILE.pdf")
    p.add_argument("--lang", choices=["id", "en"], default="id")
    p.set_defaults(handler=cmd_receipt)
