"""Printer, paper and application forms from the command line: the same facade calls as the screens.

    kiosk printer status | test | jobs
    kiosk paper status | refilled [--length-m 50]
    kiosk print receipt CODE
    kiosk form list | show ID [--example] | print ID (--values FILE|- | --blank) [--out FILE.pdf]

A print that did not come out exits with 1 and says why (the printer's state), so scripts and the
technician's doctor can tell.
"""

from __future__ import annotations

import argparse

from ..actions import Kiosk, PrintOutcome
from ..errors import ValidationError
from ..i18n import both
from ..printing.paper import PaperEstimate
from ..printing.status import PrinterStatus
from . import EXIT_FAILED, EXIT_OK, Context, number, read_json_input, write_output


def _kiosk(ctx: Context) -> Kiosk:
    return Kiosk.open(ctx.config)


def _paper_text(p: PaperEstimate) -> str:
    low = "  LOW" if p.low else ""
    return (
        f"Paper: {p.remaining_mm / 1000:.1f} m of {p.roll_length_mm / 1000:.1f} m left "
        f"({p.remaining_fraction * 100:.0f}%), about {p.receipts_left} receipts{low}\n"
        f"Since the last refill ({p.refilled_at or 'never'}): {p.receipts_printed} receipts, {p.forms_printed} forms"
    )


def _status_text(st: PrinterStatus) -> str:
    lines = [
        f"Printer: {st.backend}" + (f" ({st.queue})" if st.queue else "") + f": {st.state.value}",
        both(st.message, **st.params),
    ]
    if st.reasons and st.reasons != ("none",):
        lines.append(f"CUPS reasons: {', '.join(st.reasons)}")
    if st.detail and st.detail not in lines[1]:
        lines.append(f"Detail: {st.detail}")
    if st.paper is not None:
        lines.append(_paper_text(st.paper))
    return "\n".join(lines)


def _outcome(ctx: Context, outcome: PrintOutcome) -> int:
    def text() -> str:
        head = both(outcome.message_id)
        where = f"\nJob: {outcome.job_id}" if outcome.job_id else ""
        if outcome.pdf_path:
            where += f"\nFile: {outcome.pdf_path}"
        if outcome.reference:
            where += f"\nReference: {outcome.reference}"
        return f"{head}{where}\n{_status_text(outcome.status)}"

    ctx.emit(outcome, text)
    return EXIT_OK if outcome.printed else EXIT_FAILED


def cmd_printer_status(ctx: Context) -> int:
    st = _kiosk(ctx).printer_status()
    ctx.emit(st, lambda: _status_text(st))
    return EXIT_OK


def cmd_printer_test(ctx: Context) -> int:
    return _outcome(ctx, _kiosk(ctx).print_test_receipt(ctx.args.lang, wait_s=ctx.args.wait))


def cmd_printer_jobs(ctx: Context) -> int:
    jobs = _kiosk(ctx).recent_print_jobs(ctx.args.limit)
    ctx.emit(jobs, lambda: "\n".join(
        f"{j.at}  {j.kind:7} {'printed' if j.printed else 'FAILED ':7} {j.state:9} {j.ref or '-'}"
        + (f"  ({j.detail})" if j.detail and not j.printed else "")
        for j in jobs
    ) or "(no print jobs yet)")
    return EXIT_OK


def cmd_paper_status(ctx: Context) -> int:
    p = _kiosk(ctx).paper_status()
    ctx.emit(p, lambda: _paper_text(p))
    return EXIT_OK


def cmd_paper_refilled(ctx: Context) -> int:
    p = _kiosk(ctx).paper_refilled(ctx.args.length_m)
    ctx.emit(p, lambda: "Noted: a full roll is in.\n" + _paper_text(p))
    return EXIT_OK


def cmd_print_receipt(ctx: Context) -> int:
    return _outcome(ctx, _kiosk(ctx).print_receipt(ctx.args.code, ctx.args.lang, wait_s=ctx.args.wait))


def cmd_form_list(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    forms = kiosk.forms()
    data = [
        {"id": f.id, "title": f.title.id, "title_en": f.title.en, "agency_id": f.agency_id, "version": f.version,
         "fields": len(f.kiosk_fields), "services": [s.id for s in kiosk.form_services(f.id)]}
        for f in forms
    ]
    ctx.emit(data, lambda: "\n".join(f"{d['id']:36} {d['title']}  [{d['agency_id']}]" for d in data) or "(no forms)")
    return EXIT_OK


def cmd_form_show(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    spec = kiosk.form(ctx.args.form_id)
    if ctx.args.example:
        import json

        print(json.dumps(spec.example_values(), ensure_ascii=False, indent=2))
        return EXIT_OK

    def text() -> str:
        lines = [f"{spec.title.id} / {spec.title.en}", f"{spec.id} v{spec.version}, {spec.agency_id}", ""]
        for section in spec.sections:
            lines.append(f"[{section.title.id}]" + ("  (diisi oleh petugas / for the office)" if section.officer else ""))
            for f in section.fields:
                flags = ["required" if f.required else "optional"]
                if f.by_hand:
                    flags.append("by hand")
                extra = f"  e.g. {f.example}" if f.example else ""
                if f.options:
                    extra += "  options: " + ", ".join(o.value for o in f.options)
                lines.append(f"  {f.id:22} {f.type:9} {', '.join(flags):18} {f.label.id}{extra}")
        services = kiosk.form_services(spec.id)
        if services:
            lines += ["", "Services: " + ", ".join(s.id for s in services)]
        return "\n".join(lines)

    ctx.emit(spec, text)
    return EXIT_OK


def cmd_form_print(ctx: Context) -> int:
    kiosk = _kiosk(ctx)
    args = ctx.args
    if args.blank == bool(args.values):
        raise ValidationError("Give either --values FILE (or - for standard input) or --blank.")
    values = None
    if args.values:
        values = read_json_input(args.values)
        if not isinstance(values, dict):
            raise ValidationError("The input must be a JSON object.")
    if args.out:
        pdf = kiosk.render_form(args.form_id, values, args.lang)
        out = write_output(args.out, pdf)
        ctx.emit({"out": str(out), "bytes": len(pdf)}, f"Form written to {out}")
        return EXIT_OK
    return _outcome(ctx, kiosk.print_form(args.form_id, values, args.lang, wait_s=args.wait))


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    lang = argparse.ArgumentParser(add_help=False)
    lang.add_argument("--lang", choices=["id", "en"], default="id", help="language of the printed page")
    wait = argparse.ArgumentParser(add_help=False)
    wait.add_argument("--wait", type=number(float, low=0, high=3600), default=None, metavar="S",
                      help="seconds to wait for the printer before the job is cancelled (default 30)")

    printer = sub.add_parser("printer", help="the printer: status, test page, recent jobs").add_subparsers(
        dest="printer_command", metavar="ACTION", required=True
    )
    p = printer.add_parser("status", parents=[common], help="the printer's state and the paper estimate")
    p.set_defaults(handler=cmd_printer_status)
    p = printer.add_parser("test", parents=[common, lang, wait], help="print the test page (width ruler, QR, cut)")
    p.set_defaults(handler=cmd_printer_test)
    p = printer.add_parser("jobs", parents=[common], help="the last print jobs, printed or not")
    p.add_argument("--limit", type=number(int, low=1, high=10000), default=20)
    p.set_defaults(handler=cmd_printer_jobs)

    paper = sub.add_parser("paper", help="the receipt roll: how much is left, refilled").add_subparsers(
        dest="paper_command", metavar="ACTION", required=True
    )
    p = paper.add_parser("status", parents=[common], help="paper left on the roll (estimate)")
    p.set_defaults(handler=cmd_paper_status)
    p = paper.add_parser("refilled", parents=[common], help="a full roll is in: reset the count")
    p.add_argument("--length-m", type=number(float, low=1, high=1000), default=None, metavar="M",
                   help="length of the new roll in metres (default: printer.roll_length_m)")
    p.set_defaults(handler=cmd_paper_refilled)

    prn = sub.add_parser("print", help="print a document").add_subparsers(
        dest="print_command", metavar="WHAT", required=True
    )
    p = prn.add_parser("receipt", parents=[common, lang, wait], help="print a complaint's receipt by tracking code")
    p.add_argument("code")
    p.set_defaults(handler=cmd_print_receipt)

    form = sub.add_parser("form", help="service application forms").add_subparsers(
        dest="form_command", metavar="ACTION", required=True
    )
    p = form.add_parser("list", parents=[common], help="every form, with the services that link to it")
    p.set_defaults(handler=cmd_form_list)
    p = form.add_parser("show", parents=[common], help="a form's fields and rules")
    p.add_argument("form_id")
    p.add_argument("--example", action="store_true", help="print sample values as JSON (for form print --values)")
    p.set_defaults(handler=cmd_form_show)
    p = form.add_parser("print", parents=[common, lang, wait], help="print a form, filled from JSON or blank")
    p.add_argument("form_id")
    p.add_argument("--values", metavar="FILE|-", help="the field values as a JSON object")
    p.add_argument("--blank", action="store_true", help="print the form empty, to fill by hand")
    p.add_argument("--out", metavar="FILE.pdf", help="write the PDF here instead of printing it")
    p.set_defaults(handler=cmd_form_print)
