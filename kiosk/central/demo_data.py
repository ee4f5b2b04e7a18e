"""A year of invented ratings and complaints over the 34 demo agencies, so the dashboards, the SKM
report, the ranking and the transparency page have something to show (``kiosk central demo-data``).

What the year looks like, on purpose (tests/central/test_demo_data.py checks each):

- every agency has one or more offices with 1 to 3 kiosks (devices named ``[DEMO] ...``);
- ratings come only in office hours (WITA) with a morning peak (09-11) and an afternoon one (13-14),
  busy weekdays, a light Saturday, next to nothing on Sundays and national holidays;
- quick ratings (faces) outnumber IKM surveys about two to one; each agency's IKM sits around its own
  level, U4 (fees) best and U3 (time) and U9 (facilities) weakest, with a respondent profile that is
  sometimes left out;
- :data:`IMPROVING` climbs from mutu C to B over the period and :data:`WORSENING` falls from B to C;
- :data:`SPIKE_AGENCY` gets a burst of pungli complaints in the last two weeks, growing to its end;
- complaints flow through the statuses with SP4N-LAPOR! timings: most verified and answered in time,
  some late, some overdue now, some reopened, about half rated by the citizen.

Everything is made from seeded random streams (one per kind of row), so a seed and a last day give the
same rows every time. The rows are written by :mod:`.demo_data_load` (SQLite executemany, PostgreSQL COPY).
Identities are invented, from a fixed list, each marked ``[DEMO]``; nothing here is anyone's data.
The ratings' documents cannot carry a demo flag (the domain's parser refuses unknown keys, and they
must stay readable by it), so they are marked by their kiosks: every one comes from a ``[DEMO]`` device.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid as uuidlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..domain import tracking
from ..domain.ikm import ELEMENTS
from ..domain.workflow import AUTO_CLOSE_DAYS, Status, WorkCalendar
from ..i18n import both
from ..sync import wire
from . import workdays
from .demo import MARK
from .settings import Settings
from .tick import AUTO_CLOSE_NOTE

# Bumped whenever the same seed would give other rows: the bench's cached year is rebuilt then.
GENERATION = 2
DEVICE_PREFIX = "kio-dd-"  # demo-data kiosks (``kiosk central demo``'s own are kio-demo-*)
IMPROVING = "dpmptsp"  # mutu C -> B: the one-stop licensing office after its reform
WORSENING = "bappenda"  # mutu B -> C: Samsat queues grow through the year
SPIKE_AGENCY = "dishub"  # a fortnight of pungli reports (KIR testing, route permits)
SPIKE_DAYS = 14

# Mean answer (1..4) at the start and at the end of the period for the two moving units; IKM = mean x 25
# before rounding effects, so 2.80 is about 70 (C) and 3.35 about 84 (B).
TRENDS = {IMPROVING: (2.72, 3.38), WORSENING: (3.34, 2.72)}
# A few agencies well above or below the rest, so the ranking has a top and a bottom.
# (Answers are clamped to 1..4, which pulls a high level down: 3.8 comes out near IKM 89, mutu A.)
LEVELS = {"rsj-mutiara-sukma": 3.85, "bkd": 3.8, "dpmpd-dukcapil": 3.5, "rsud-ntb": 2.98, "dpupr": 2.95,
          "satpolpp": 2.9}
# Element offsets from an agency's level: fees are mostly free (U4 best); time (U3), facilities (U9) and
# complaint handling (U8) are what citizens grumble about.
ELEMENT_OFFSET = {"U1": 0.05, "U2": 0.0, "U3": -0.32, "U4": 0.42, "U5": 0.05, "U6": 0.1, "U7": 0.15, "U8": -0.12,
                  "U9": -0.26}
# Visitors per agency relative to a typical one: Samsat, the licensing mall, the hospitals and civil
# registration see crowds; planning and inspection very few.
TRAFFIC = {"bappenda": 6.0, "dpmptsp": 4.0, "rsud-ntb": 4.0, "dpmpd-dukcapil": 3.0, "rsj-mutiara-sukma": 1.6,
           "dinkes": 1.5, "dikbud": 1.8, "disnakertrans": 1.8, "dishub": 2.0, "bkd": 1.4, "dinsos": 1.5,
           "bappeda": 0.4, "inspektorat": 0.35, "bakesbangpoldagri": 0.5, "bpsdmd": 0.6}
# Offices with their kiosk counts; other agencies get one office named after them with 1-3 kiosks.
OFFICES = {
    "bappenda": (("UPTB Samsat Mataram", 3), ("UPTB Samsat Lombok Timur", 2), ("UPTB Samsat Sumbawa", 1)),
    "dpmptsp": (("Mal Pelayanan Publik NTB", 3),),
    "rsud-ntb": (("RSUD Provinsi NTB, Rawat Jalan", 2), ("RSUD Provinsi NTB, IGD", 1)),
    "dishub": (("UPTD Pengujian Kendaraan Bermotor Mataram", 2),),
}

# Opening hours in WITA minutes after midnight as (start, end, weight): a morning peak 09-11, the lunch
# dip, the 13-14 peak. Friday closes at 14:00 with the Friday prayer; Saturday is a short morning.
HOURS_MON_THU = ((450, 480, 0.15), (480, 540, 1.0), (540, 600, 2.1), (600, 660, 2.2), (660, 720, 1.4),
                 (720, 780, 0.5), (780, 840, 1.7), (840, 900, 1.0), (900, 930, 0.3))
HOURS_FRI = ((450, 480, 0.15), (480, 540, 1.0), (540, 600, 2.0), (600, 660, 1.9), (660, 690, 0.5),
             (780, 840, 1.1))
HOURS_SAT = ((480, 540, 0.9), (540, 600, 1.5), (600, 660, 1.4), (660, 720, 0.6))
HOURS_CLOSED = ((540, 720, 1.0),)  # a guard on duty lets a few people in
EARLIEST_MINUTE, LATEST_MINUTE = 450, 930  # 07:30-15:30 WITA: no rating outside

QUICK_SHARE = 0.66
PROFILE_SHARE = 0.85
COMMENT_SHARE = 0.12
GENDERS = (("L", 52), ("P", 48))
EDUCATION = (("Tidak sekolah", 4), ("SD", 10), ("SMP", 14), ("SMA", 38), ("D1-D3", 10), ("S1", 19), ("S2", 4),
             ("S3", 1))
OCCUPATIONS = (("PNS", 12), ("TNI", 2), ("POLRI", 2), ("Swasta", 28), ("Wirausaha", 30), ("Lainnya", 26))
CIVIL_SERVICE_AGENCIES = ("bkd", "bpsdmd")  # their visitors are mostly civil servants
COMMENTS = (
    "Pelayanan cepat, terima kasih.", "Antrean terlalu lama, mohon ditambah loket.", "Petugas ramah dan jelas.",
    "Ruang tunggu panas, AC tidak menyala.", "Informasi persyaratan di papan berbeda dengan di loket.",
    "Mohon disediakan tempat parkir yang lebih luas.", "Sudah bagus, pertahankan.",
    "Nomor antrean sering macet.", "Toilet kurang bersih.", "Prosesnya lebih cepat dari yang saya kira.",
)

# --- complaints ---
TOPICS = (("pungli", 6), ("lambat", 30), ("prosedur_tidak_jelas", 18), ("perilaku_petugas", 12), ("sarana", 14),
          ("biaya_tidak_sesuai", 8), ("lainnya", 12))
PART_OF_TOPIC = {"pungli": ("biaya",), "biaya_tidak_sesuai": ("biaya",), "lambat": ("waktu",),
                 "prosedur_tidak_jelas": ("persyaratan", "prosedur"), "perilaku_petugas": ("kompetensi",),
                 "sarana": ("sarana",), "lainnya": ("produk", "pengaduan")}
DESCRIPTIONS = {
    "pungli": ("Petugas meminta uang tambahan agar berkas cepat selesai, tanpa kuitansi.",
               "Saya diminta membayar \"uang lelah\" di luar tarif resmi oleh orang yang mengaku petugas.",
               "Ada calo di depan loket yang menawarkan jalur cepat dengan bayaran, dan petugas membiarkannya."),
    "lambat": ("Berkas saya belum selesai padahal sudah lewat dari waktu di standar pelayanan.",
               "Antrean sangat panjang, nomor antrean tidak bergerak lebih dari satu jam.",
               "Sudah tiga kali datang, setiap kali disuruh kembali minggu depan."),
    "prosedur_tidak_jelas": ("Persyaratan di situs web berbeda dengan yang diminta di loket.",
                             "Tidak ada penjelasan alur layanan; saya dioper dari satu meja ke meja lain.",
                             "Mohon penjelasan dokumen apa saja yang harus dibawa untuk layanan ini."),
    "perilaku_petugas": ("Petugas berbicara kasar ketika saya bertanya tentang kekurangan berkas.",
                         "Petugas sibuk dengan telepon genggam sementara antrean menunggu.",),
    "sarana": ("Ruang tunggu penuh dan pendingin ruangan mati.", "Tidak ada jalur kursi roda ke loket lantai dua.",
               "Toilet umum terkunci sepanjang hari."),
    "biaya_tidak_sesuai": ("Biaya yang ditagih berbeda dengan tarif di papan informasi.",
                           "Layanan ini tertulis gratis tetapi saya diminta membayar biaya formulir."),
    "lainnya": ("Usul agar layanan dibuka juga pada hari Sabtu.", "Mohon disediakan layanan antar dokumen.",
                "Situs web layanan tidak bisa dibuka sejak minggu lalu."),
}
ANSWERS = {
    "pungli": "Petugas yang bersangkutan sudah diperiksa atasan dan dipindahkan dari loket. Pungutan itu tidak sah.",
    "lambat": "Mohon maaf atas keterlambatan. Berkas Anda sudah selesai dan dapat diambil di loket.",
    "prosedur_tidak_jelas": "Persyaratan yang berlaku sudah kami samakan di situs web dan di loket.",
    "perilaku_petugas": "Kami mohon maaf. Petugas sudah mendapat pembinaan dari atasan langsung.",
    "sarana": "Fasilitas sudah diperbaiki. Terima kasih atas laporan Anda.",
    "biaya_tidak_sesuai": "Tarif yang berlaku sesuai papan informasi; kelebihan bayar dapat diminta kembali di loket.",
    "lainnya": "Terima kasih atas usulan Anda; sudah kami sampaikan kepada pimpinan.",
}
NOT_AUTHORITY_NOTE = "Bukan kewenangan Pemerintah Provinsi; silakan sampaikan ke pemerintah kabupaten/kota."
REOPEN_NOTE = "Dibuka kembali atas permintaan pelapor. / Reopened at the reporter's request."
# Invented names (each stored with the [DEMO] mark); phones in a block no operator hands out.
NAMES = ("Baiq Demo Lestari", "Lalu Demo Saputra", "Ni Made Contoh", "Muhammad Contoh", "Siti Percobaan",
         "I Ketut Contoh", "Dewi Contoh Sari", "Ahmad Percobaan", "Putu Demo Ayu", "Nurul Contoh Hidayah")
CLASSES = (("pengaduan", 70), ("aspirasi", 15), ("permintaan_informasi", 15))
PRIVACY = (("biasa", 70), ("anonim", 20), ("rahasia", 10))
PRIVACY_PUNGLI = (("biasa", 30), ("anonim", 40), ("rahasia", 30))  # people fear naming themselves


@dataclass(frozen=True)
class Plan:
    """What to make: ``days`` local days ending on ``until``, and how many rows."""

    days: int = 365
    ratings: int = 60_000
    complaints: int = 3_000
    seed: int = 14
    until: date | None = None  # the last day (server's time zone); default today
    # Names a further batch over the same kiosks (the bench's new ratings after the load): its own
    # random stream, so its UUIDs are not the first batch's again.
    stream: str = ""

    def first(self, until: date) -> date:
        return until - timedelta(days=self.days - 1)


@dataclass(frozen=True)
class Kiosk:
    id: str
    name: str
    office: str
    agency_id: str
    weight: float


@dataclass
class World:
    """The demo catalog's agencies and services, the kiosks made for them, the calendar and the clock."""

    agencies: list[dict]
    services: dict[str, list[str]]  # agency -> its service ids, most used first
    kiosks: dict[str, list[Kiosk]]
    tz: ZoneInfo
    first: date
    until: date
    as_of: datetime  # UTC: nothing happens after this (the end of ``until``, or now if earlier)
    cal: WorkCalendar
    holidays: frozenset[date]
    levels: dict[str, float] = field(default_factory=dict)
    kiosk_cum: dict[str, list[float]] = field(default_factory=dict)  # cumulative kiosk weights per agency

    def __post_init__(self) -> None:
        self.kiosk_cum = {aid: list(itertools.accumulate(k.weight for k in ks)) for aid, ks in self.kiosks.items()}

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.until - self.first).days + 1)]

    def fraction(self, day: date) -> float:
        """How far into the period ``day`` is: 0 on the first day, 1 on the last."""
        span = (self.until - self.first).days
        return (day - self.first).days / span if span else 1.0

    def level(self, agency: str, day: date) -> float:
        if agency in TRENDS:
            start, end = TRENDS[agency]
            return start + (end - start) * self.fraction(day)
        return self.levels[agency]


def world(settings: Settings, catalog_doc: dict, plan: Plan, now: datetime) -> World:
    tz = settings.tz
    until = plan.until or now.astimezone(tz).date()
    first = plan.first(until)
    end_of_day = datetime.combine(until + timedelta(days=1), time(0), tz).astimezone(UTC) - timedelta(seconds=1)
    holidays = workdays.holiday_dates(settings, first.year - 1, until.year + 2)
    rnd = random.Random(f"{plan.seed}-world")
    agencies = list(catalog_doc["agencies"])
    services: dict[str, list[str]] = {a["id"]: [] for a in agencies}
    for s in catalog_doc["services"]:
        services.setdefault(s["agency_id"], []).append(s["id"])
    kiosks: dict[str, list[Kiosk]] = {}
    levels: dict[str, float] = {}
    for a in agencies:
        aid = a["id"]
        short = a.get("short_name") or a["name"]
        offices = OFFICES.get(aid) or ((f"Kantor {short}", rnd.choice((1, 1, 2, 2, 3))),)
        made = []
        for office, count in offices:
            for _ in range(count):
                n = len(made) + 1
                # The first kiosk of an office stands in the lobby and gets most taps.
                made.append(Kiosk(f"{DEVICE_PREFIX}{aid}-{n}", f"{MARK}Anjungan {short} {n}", office, aid,
                                  2.0 if n == 1 else 1.0))
        kiosks[aid] = made
        levels[aid] = LEVELS.get(aid, round(rnd.uniform(3.05, 3.42), 3))
    return World(agencies, services, kiosks, tz, first, until, min(end_of_day, now),
                 WorkCalendar(frozenset(holidays)), frozenset(holidays), levels)


def device_rows(w: World) -> list[dict]:
    enrolled = datetime.combine(w.first - timedelta(days=30), time(9), w.tz).astimezone(UTC)
    return [{"id": k.id, "name": k.name, "office": k.office, "agency_id": k.agency_id,
             "token_hash": uuidlib.uuid5(uuidlib.NAMESPACE_URL, "iplik-demo-data:" + k.id).hex * 2,
             "enrolled_at": enrolled} for ks in w.kiosks.values() for k in ks]


# What the demo fleet's newest heartbeats show a technician (docs/fleet.md): most kiosks well, these few
# not, each on a kiosk picked by a fixed seed. "silent" last reported 20 hours before the demo's end, so
# the tick opens its offline incident when the demo ends inside office hours.
FLEET_STORY = ("paper_out", "paper_low", "paper_low", "stuck", "silent", "old_version", "clock_skew")
OLD_VERSION = "0.0.9"


def fleet_heartbeats(w: World, version: str, catalog_version: str) -> list[tuple[str, dict, datetime]]:
    """(device id, heartbeat body as a kiosk sends it, time the server received it) for every demo kiosk."""
    rnd = random.Random("iplik-demo-fleet")
    kiosks = [k for ks in w.kiosks.values() for k in ks]
    story = dict(zip((k.id for k in rnd.sample(kiosks, min(len(kiosks), len(FLEET_STORY)))), FLEET_STORY))
    out = []
    for k in kiosks:
        what = story.get(k.id)
        received = w.as_of - timedelta(hours=20) if what == "silent" else w.as_of - timedelta(seconds=rnd.randint(20, 280))
        skew = timedelta(minutes=14) if what == "clock_skew" else timedelta(seconds=rnd.randint(-2, 2))
        left = {"paper_out": 0.0, "paper_low": round(rnd.uniform(4, 9), 1)}.get(what, round(rnd.uniform(30, 96), 1))
        printer = {"state": {"paper_out": "paper_out", "paper_low": "paper_low"}.get(what, "ok"),
                   "paper_low": left < 10, "paper_left_pct": left}
        stuck = what == "stuck"
        body = wire.heartbeat_body(
            at=(received + skew).isoformat(timespec="seconds"),
            version=OLD_VERSION if what == "old_version" else version,
            outbox_pending=17 if stuck else rnd.choice((0, 0, 0, 1, 2)),
            outbox_failed=0,
            printer=printer,
            catalog_version=catalog_version,
            disk_free_mb=rnd.randint(9000, 28000),
            oldest_pending_s=3 * 3600 + 600 if stuck else None,
            sync_error="offline" if stuck else None,
        )
        out.append((k.id, body, received))
    return out


def _day_weight(w: World, day: date, agency: dict) -> float:
    if day in w.holidays:
        return 0.02
    wd = day.weekday()
    if wd == 6:
        return 0.01
    if wd == 5:
        return 0.35 if "Sabtu" in (agency.get("hours") or "") else 0.04
    return (1.15, 1.0, 1.0, 0.95, 0.8)[wd]


def _hours(w: World, day: date, agency: dict):
    if day in w.holidays or day.weekday() == 6:
        return HOURS_CLOSED
    if day.weekday() == 5:
        return HOURS_SAT
    return HOURS_FRI if day.weekday() == 4 else HOURS_MON_THU


def _moment(rnd: random.Random, w: World, day: date, agency: dict) -> datetime:
    """A time in the office's opening hours of ``day``, in UTC."""
    slots = _hours(w, day, agency)
    start, end, _ = rnd.choices(slots, cum_weights=_cum_of_slots(slots))[0]
    minute = rnd.uniform(start, end)
    local = datetime.combine(day, time(0), w.tz) + timedelta(minutes=minute)
    return local.astimezone(UTC)


_SLOT_CUM = {id(h): list(itertools.accumulate(s[2] for s in h))
             for h in (HOURS_MON_THU, HOURS_FRI, HOURS_SAT, HOURS_CLOSED)}


def _cum_of_slots(slots) -> list[float]:
    return _SLOT_CUM[id(slots)]


def _allocate(rnd: random.Random, w: World, total: int, agency_weight) -> Counter:
    """How many rows each (day, agency) gets: ``total`` spread by day rhythm and agency traffic."""
    cells, weights = [], []
    for day in w.days:
        for a in w.agencies:
            cells.append((day, a["id"]))
            weights.append(_day_weight(w, day, a) * agency_weight(a["id"], day))
    return Counter(rnd.choices(range(len(cells)), weights, k=total)), cells


def _score(rnd: random.Random, mean: float, spread: float = 0.62) -> int:
    return min(4, max(1, round(rnd.gauss(mean, spread))))


def _pick(rnd: random.Random, pairs) -> str:
    return rnd.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


_ZIPF = list(itertools.accumulate(1 / (i + 1) for i in range(1000)))


def _service(rnd: random.Random, services: list[str]) -> str:
    # The first services of an agency are its everyday ones (Zipf-like use).
    return rnd.choices(services, cum_weights=_ZIPF[:len(services)])[0]


_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)  # as ingest stores a rating's document
_ELEMENT_NAMES = [(e.code, e.name_id) for e in ELEMENTS]


def _profile(rnd: random.Random, agency: str) -> dict | None:
    if rnd.random() > PROFILE_SHARE:
        return None
    occupations = (("PNS", 70), ("Swasta", 10), ("Lainnya", 20)) if agency in CIVIL_SERVICE_AGENCIES else OCCUPATIONS
    profile = {
        "jenis_kelamin": _pick(rnd, GENDERS),
        "usia": min(80, max(17, round(rnd.gauss(38, 12)))),
        "pendidikan": _pick(rnd, EDUCATION),
        "pekerjaan": _pick(rnd, occupations),
    }
    for key in profile:  # each question may be skipped on its own
        if rnd.random() < 0.06:
            profile[key] = None
    return profile


def rating_batches(w: World, plan: Plan, batch: int = 5000) -> Iterator[tuple[list[dict], list[dict]]]:
    """(records rows, ratings rows) in batches of whole days (at least ``batch`` rows), oldest first."""
    rnd = random.Random(f"{plan.seed}-ratings{plan.stream}")
    offsets = {a["id"]: {code: off + rnd.uniform(-0.1, 0.1) for code, off in ELEMENT_OFFSET.items()}
               for a in w.agencies}
    counts, _cells = _allocate(rnd, w, plan.ratings, lambda aid, _day: TRAFFIC.get(aid, 1.0))
    by_agency = {a["id"]: a for a in w.agencies}
    index = 0
    recs: list[dict] = []
    rows: list[dict] = []
    for day in w.days:
        for a in w.agencies:
            n = counts.get(index, 0)
            index += 1
            aid = a["id"]
            for _ in range(n):
                row = _rating(rnd, w, day, by_agency[aid], offsets[aid])
                if row is None:
                    continue
                recs.append({"uuid": row["uuid"], "kind": "rating", "device_id": row["device_id"],
                             "body_hash": "d" * 64, "received_at": row["received_at"]})
                rows.append(row)
        if len(rows) >= batch:
            yield recs, rows
            recs, rows = [], []
    if rows:
        yield recs, rows


def _rating(rnd: random.Random, w: World, day: date, agency: dict, offsets: dict[str, float]) -> dict | None:
    aid = agency["id"]
    kiosks = w.kiosks[aid]
    kiosk = rnd.choices(kiosks, cum_weights=w.kiosk_cum[aid])[0]
    created = _moment(rnd, w, day, agency)
    # Most kiosks sync within minutes; one in twenty was offline for a few hours.
    received = created + timedelta(seconds=rnd.uniform(5, 300) if rnd.random() < 0.95 else rnd.uniform(3600, 20000))
    uid = str(uuidlib.UUID(int=rnd.getrandbits(128), version=4))
    level = w.level(aid, day)
    answered_at = created.astimezone(w.tz).isoformat(timespec="seconds")
    services = w.services[aid]
    if rnd.random() < QUICK_SHARE:
        service = _service(rnd, services) if rnd.random() < 0.6 else None
        face = _score(rnd, level + 0.05, 0.7)
        doc = {"kind": "quick", "service_id": service, "agency_id": aid, "face": face, "answered_at": answered_at}
        scores = {"face": face, **{f"u{i}": None for i in range(1, 10)}}
        kind = "quick"
    else:
        service = _service(rnd, services)
        answers = [{"code": code, "name": name, "score": _score(rnd, level + offsets[code])}
                   for code, name in _ELEMENT_NAMES]
        comment = rnd.choice(COMMENTS) if rnd.random() < COMMENT_SHARE else None
        doc = {"kind": "ikm", "service_id": service, "agency_id": aid, "answers": answers,
               "profile": _profile(rnd, aid), "comment": comment, "answered_at": answered_at}
        scores = {"face": None, **{a["code"].lower(): a["score"] for a in answers}}
        kind = "ikm"
    if created > w.as_of:
        return None  # later today than now: not made yet
    return {"uuid": uid, "device_id": kiosk.id, "created_at": created, "received_at": min(received, w.as_of),
            "kind": kind, "service_id": service, "agency_id": aid, **scores, "doc": _JSON.encode(doc)}


# --- what other parts of issue 14 keep, when they are installed ----------------------------------------

# An agency whose services have many more yearly users than answer the survey: its IKM comes with the
# "sample too small" warning (the other agencies' samples mostly reach the Krejcie-Morgan minimum).
SMALL_SAMPLE_AGENCY = "dinsos"


def yearly_users(w: World, plan: Plan) -> dict[str, int]:
    """Each service's yearly users (what staff enter for the Krejcie-Morgan minimum): about the surveys
    it gets in a year for a niche service (its minimum is nearly everyone: 50 users -> 44), a few times
    that for a crowded one (1,500 users -> 306). Small agencies still miss a quarter's minimum now and
    then, as real ones do."""
    rnd = random.Random(f"{plan.seed}-populations")
    surveys_a_year = plan.ratings * (1 - QUICK_SHARE) * 365 / plan.days
    traffic = {a["id"]: TRAFFIC.get(a["id"], 1.0) for a in w.agencies}
    total = sum(traffic.values())
    out = {}
    for aid, services in w.services.items():
        zipf = _ZIPF[:len(services)]
        for i, sid in enumerate(services):
            share = (zipf[i] - (zipf[i - 1] if i else 0)) / zipf[-1]
            expected = surveys_a_year * traffic.get(aid, 1.0) / total * share
            factor = rnd.uniform(0.9, 1.1) if expected < 300 else rnd.uniform(1.5, 4)
            if aid == SMALL_SAMPLE_AGENCY:
                factor *= 6
            out[sid] = max(10, round(expected * factor))
    return out


def discarded_taps(plan: Plan, quick_taps: Counter) -> dict[tuple[str, date], int]:
    """Taps each kiosk's repeated-tap filter dropped on each day: 1-5 % of its quick ratings (children
    drumming on the faces, a stuck panel)."""
    rnd = random.Random(f"{plan.seed}-discards{plan.stream}")
    out = {}
    for key, count in sorted(quick_taps.items()):
        chance = rnd.uniform(0.01, 0.05)
        if n := sum(rnd.random() < chance for _ in range(count)):
            out[key] = n
    return out


# --- complaints ------------------------------------------------------------------------------------


def _complaint_weight(w: World):
    def weight(aid: str, day: date) -> float:
        base = TRAFFIC.get(aid, 1.0) ** 0.8
        f = w.fraction(day)
        if aid == WORSENING:
            return base * (0.8 + 1.2 * f)  # complaints grow as the unit gets worse
        if aid == IMPROVING:
            return base * (1.6 - 0.9 * f)
        return base
    return weight


def spike_count(plan: Plan) -> int:
    return max(6, round(plan.complaints * 0.015)) if plan.complaints else 0


def complaint_batches(w: World, plan: Plan, batch: int = 2000) -> Iterator[tuple[list[dict], list[dict], list[dict]]]:
    """(records, complaints, complaint_events) rows in batches, oldest received first."""
    rnd = random.Random(f"{plan.seed}-complaints{plan.stream}")
    spike = min(spike_count(plan), plan.complaints)
    counts, cells = _allocate(rnd, w, plan.complaints - spike, _complaint_weight(w))
    spike_days = [d for d in w.days[-SPIKE_DAYS:] if w.cal.is_working_day(d)] or w.days[-SPIKE_DAYS:]
    # The reports snowball (a video goes round, then everyone who paid speaks up): doubling every two
    # working days, so the last week holds most of them and the alert of this week has something to see.
    spike_weights = [2 ** (i / 2) for i in range(len(spike_days))]
    plan_rows: list[tuple[date, str, str | None]] = []
    for i, (day, aid) in enumerate(cells):
        plan_rows += [(day, aid, None)] * counts.get(i, 0)
    plan_rows += [(d, SPIKE_AGENCY, "pungli") for d in rnd.choices(spike_days, spike_weights, k=spike)]
    plan_rows.sort(key=lambda r: r[0])
    by_agency = {a["id"]: a for a in w.agencies}
    out: tuple[list[dict], list[dict], list[dict]] = ([], [], [])
    for n, (day, aid, topic) in enumerate(plan_rows):
        # Each complaint draws from its own stream: how far its story got by the cut-off (which moves
        # with the clock) must not change the complaints after it.
        made = _complaint(random.Random(rnd.getrandbits(64)), w, day, by_agency[aid], topic, n)
        if made is None:
            continue
        rec, row, events = made
        out[0].append(rec)
        out[1].append(row)
        out[2].extend(events)
        if len(out[1]) >= batch:
            yield out
            out = ([], [], [])
    if out[1]:
        yield out


def _working_moment(rnd: random.Random, w: World, start: datetime, working_days: int, agency: dict) -> datetime:
    """An office-hours moment ``working_days`` after ``start`` (0: later on the same day, or the next
    working day if the office is closed by then)."""
    day = start.astimezone(w.tz).date()
    target = w.cal.add_working_days(day, working_days) if working_days else day
    moment = _moment(rnd, w, target, agency) if w.cal.is_working_day(target) else None
    if moment is None or moment <= start:
        target = w.cal.add_working_days(day, max(1, working_days))
        moment = _moment(rnd, w, target, agency)
    return moment


def _complaint(rnd: random.Random, w: World, day: date, agency: dict, topic: str | None, n: int):
    aid = agency["id"]
    topic = topic or _pick(rnd, TOPICS)
    klass = "pengaduan" if topic in ("pungli", "perilaku_petugas", "biaya_tidak_sesuai") else _pick(rnd, CLASSES)
    part = rnd.choice(PART_OF_TOPIC[topic]) if klass == "pengaduan" and rnd.random() < 0.8 else None
    privacy = _pick(rnd, PRIVACY_PUNGLI if topic == "pungli" else PRIVACY)
    kiosk = rnd.choice(w.kiosks[aid])
    created = _moment(rnd, w, day, agency)
    received = created + timedelta(seconds=rnd.uniform(5, 600))
    uid = str(uuidlib.UUID(int=rnd.getrandbits(128), version=4))
    code = tracking.generate(rnd.getrandbits)
    service = _service(rnd, w.services[aid]) if rnd.random() < 0.75 else None
    name = rnd.choice(NAMES)
    identity = None if privacy == "anonim" else json.dumps({
        "name": MARK + name, "phone": f"+62 812-0000-{n % 10000:04d}",
        "email": f"warga{n}@contoh.invalid" if rnd.random() < 0.4 else None}, ensure_ascii=False)
    # Draw every random number first, so a complaint's future does not depend on the clock's cut-off.
    not_authority = rnd.random() < 0.03 and topic == "lainnya" or rnd.random() < 0.01
    # Held for the citizen's missing details; an old one got them long ago and went on as usual.
    on_hold = rnd.random() < 0.03 and (w.as_of - created) < timedelta(days=30)
    never_answered = rnd.random() < 0.015
    quality = (w.level(aid, day) - 2.7) / 0.9  # 0 for a poor unit, about 1 for a good one
    verify_days = rnd.choices((0, 1, 2, 3, 4, 5, 7), (30, 33, 17, 9, 5, 4, 2))[0]
    late = rnd.random() < 0.28 - 0.18 * quality
    answer_days = rnd.randint(6, 18) if late else rnd.choices((1, 2, 3, 4, 5), (10, 20, 25, 25, 20))[0]
    rated = rnd.random() < 0.55
    face = rnd.choices((1, 2, 3, 4), (12 + 10 * (1 - quality), 18, 35, 35 + 10 * quality))[0]
    rate_delay = timedelta(hours=rnd.uniform(1, 96))
    reopened = rnd.random() < 0.06
    second_answer_days = rnd.randint(2, 8)
    close_days = rnd.randint(1, 4)
    incident = (day - timedelta(days=rnd.randint(0, 20))).isoformat() if rnd.random() < 0.3 else None
    text = rnd.choice(DESCRIPTIONS[topic])
    if created > w.as_of:
        return None
    row = {
        "uuid": uid, "device_id": kiosk.id, "tracking_code": code, "created_at": created,
        "received_at": min(received, w.as_of), "class": klass, "topic": topic, "agency_id": aid,
        "service_id": service, "privacy": privacy, "description": MARK + text, "incident_date": incident,
        "identity": identity, "consent_version": "pdp-2026-11", "consent_at": created,
        "status": Status.SENT.value, "status_at": min(received, w.as_of), "handling_agency_id": aid,
        "verified_at": None, "response": None, "response_at": None, "closed_at": None, "standard_part": part,
        "forwarded_at": None, "due_on": None, "overdue_at": None, "reopened_count": 0, "citizen_rating": None,
        "citizen_comment": None, "citizen_rated_at": None, "reopen_requested_at": None,
    }
    events: list[dict] = []
    officer = f"demo-{aid}"[:100]

    def step(status: Status, at: datetime, actor: str, note: str | None = None, internal: str | None = None) -> bool:
        if at > w.as_of:
            return False
        row["status"], row["status_at"] = status.value, at
        events.append({"complaint_uuid": uid, "device_id": kiosk.id, "status": status.value, "at": at, "note": note,
                       "actor": actor, "internal_note": internal, "user_id": None})
        return True

    received = row["received_at"]
    verified = _working_moment(rnd, w, received, verify_days, agency)
    if on_hold and step(Status.ON_HOLD, verified, "demo-desk", "Menunggu keterangan tambahan dari pelapor."):
        pass
    elif step(Status.VERIFIED, verified, "demo-desk"):
        row["verified_at"] = verified
        if not_authority:
            if step(Status.NOT_AUTHORITY, verified + timedelta(minutes=rnd.uniform(2, 30)), "demo-desk",
                    NOT_AUTHORITY_NOTE):
                row["closed_at"] = row["status_at"]
        else:
            forwarded = verified + timedelta(minutes=rnd.uniform(2, 60))
            if step(Status.FORWARDED, forwarded, "demo-desk", None, "Mohon ditindaklanjuti sesuai standar pelayanan."):
                row["forwarded_at"] = forwarded
                if not never_answered:
                    _answer(rnd, w, row, step, agency, officer, topic, answer_days, rated, face, rate_delay,
                            reopened, second_answer_days, close_days)
    row["due_on"] = workdays.due_on(row["status"], row["status_at"], received, w.cal, w.tz)
    rec = {"uuid": uid, "kind": "complaint", "device_id": kiosk.id, "body_hash": "d" * 64, "received_at": received}
    return rec, row, events


def _answer(rnd, w: World, row: dict, step, agency: dict, officer: str, topic: str, answer_days: int, rated: bool,
            face: int, rate_delay: timedelta, reopened: bool, second_answer_days: int, close_days: int) -> None:
    answered = _working_moment(rnd, w, row["forwarded_at"], answer_days, agency)
    if not step(Status.FOLLOWED_UP, answered, officer):
        return
    row["response"], row["response_at"] = ANSWERS[topic], answered
    if reopened:
        asked = answered + rate_delay
        if asked > w.as_of:
            return
        row.update(citizen_rating=1, citizen_comment="Masalah saya belum selesai.", citizen_rated_at=asked,
                   reopen_requested_at=asked, reopened_count=1, forwarded_at=asked)
        step(Status.FORWARDED, asked, "citizen", REOPEN_NOTE, "Pelapor belum puas; mohon ditindaklanjuti kembali.")
        answered = _working_moment(rnd, w, asked, second_answer_days, agency)
        if not step(Status.FOLLOWED_UP, answered, officer):
            return
        row["response"], row["response_at"] = ANSWERS[topic] + " Kami sudah memeriksa ulang.", answered
    rated_at = answered + rate_delay
    if rated and rated_at <= w.as_of:
        row.update(citizen_rating=face, citizen_rated_at=rated_at,
                   citizen_comment=None if face >= 3 else "Jawaban belum menyelesaikan masalah.")
        # A rated answer is closed by the desk (the automatic closing skips it).
        if step(Status.CLOSED, _working_moment(rnd, w, rated_at, close_days, agency), "demo-desk"):
            row["closed_at"] = row["status_at"]
        return
    # No reply from the citizen: tick closes it the day after the closing day, early in the morning.
    last_day = w.cal.add_working_days(answered.astimezone(w.tz).date(), AUTO_CLOSE_DAYS)
    auto = datetime.combine(last_day + timedelta(days=1), time(0, 5), w.tz).astimezone(UTC)
    if step(Status.CLOSED, auto, "system", both(AUTO_CLOSE_NOTE, days=AUTO_CLOSE_DAYS)):
        row["closed_at"] = auto
