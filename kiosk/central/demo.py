"""A central database to show the back office with: demo staff accounts and ~60 demo complaints over
the demo catalog, in every status, with timelines, answers, citizens' verdicts and a reopened case.

Everything made here is marked as demo: usernames start with ``demo-``, kiosk names and complaint
descriptions with ``[DEMO]``, identities are invented. Used by ``kiosk central demo`` and
``make demo-central``; never run it on a real database (it refuses one that already has demo users).
"""

from __future__ import annotations

import json
import random
import secrets
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ..domain import tracking
from ..domain.workflow import Status
from ..errors import KioskError
from ..paths import DEMO_CATALOG
from . import audit, catalog, evidence_demo, workdays
from .db import complaint_events, complaints, devices, now, reader, records, staff_users
from .settings import Settings

PASSWORD = "rinjani-senggigi-2026"  # printed: it is a demo; every demo account has it
PREFIX = "demo-"
MARK = "[DEMO] "

# (username, display name, role, agencies, second factor). Officers belong to two real demo agencies.
ACCOUNTS: tuple[tuple[str, str, str, tuple[str, ...], bool], ...] = (
    ("demo-admin", "Admin Demo (Biro Organisasi)", "admin", (), True),
    ("demo-desk", "Desk Terpadu Demo", "desk", (), True),
    ("demo-bappenda", "Petugas Bapenda Demo", "officer", ("bappenda",), False),
    ("demo-dpmptsp", "Petugas DPMPTSP Demo", "officer", ("dpmptsp",), False),
    ("demo-viewer", "Inspektorat Demo", "viewer", (), False),
    ("demo-teknisi", "Teknisi Anjungan Demo", "technician", (), False),
)

KIOSKS = (
    ("kio-demo-gubernur", MARK + "Anjungan Lobi Kantor Gubernur", "Kantor Gubernur NTB, Mataram", "bappenda"),
    ("kio-demo-samsat", MARK + "Anjungan Samsat Mataram", "UPTB Samsat Mataram", "bappenda"),
    ("kio-demo-mpp", MARK + "Anjungan Mal Pelayanan Publik", "Mal Pelayanan Publik NTB", "dpmptsp"),
)

# (agency, service, class, topic, description, answer). Descriptions as citizens type them at a kiosk.
CASES: tuple[tuple[str, str | None, str, str, str, str], ...] = (
    ("bappenda", "bappenda-pkb-tahunan", "pengaduan", "pungli",
     "Saat membayar pajak kendaraan tahunan di loket, petugas meminta uang Rp50.000 \"untuk mempercepat\" "
     "tanpa kuitansi. Di papan informasi tidak ada biaya seperti itu.",
     "Terima kasih atas laporan Anda. Petugas yang bersangkutan sudah diperiksa oleh atasan langsung dan "
     "dipindahkan dari loket. Uang yang diminta tidak sah; silakan datang ke loket informasi Samsat untuk "
     "pengembalian dengan membawa bukti pembayaran pajak."),
    ("bappenda", "bappenda-bbnkb-balik-nama", "pengaduan", "lambat",
     "Sudah tiga minggu berkas balik nama motor saya belum selesai, padahal standar pelayanannya lima hari "
     "kerja. Setiap datang hanya disuruh menunggu.",
     "Mohon maaf atas keterlambatan. Berkas Anda tertahan karena cek fisik belum tercatat di sistem. Cek "
     "fisik sudah kami input ulang dan BPKB dapat diambil mulai Senin di loket 4."),
    ("bappenda", "bappenda-stnk-lima-tahunan", "pengaduan", "sarana",
     "Ruang tunggu Samsat penuh dan pendingin ruangan mati sejak pagi. Banyak orang tua berdiri karena kursi "
     "kurang.",
     "Pendingin ruangan sudah diperbaiki dan kami menambah 40 kursi di ruang tunggu. Terima kasih atas "
     "masukannya."),
    ("bappenda", "bappenda-mutasi-masuk", "permintaan_informasi", "prosedur_tidak_jelas",
     "Saya pindah dari Bali dan ingin mutasi masuk mobil. Persyaratan di situs dan di loket berbeda. "
     "Apakah perlu surat keterangan fiskal antardaerah?",
     "Untuk mutasi masuk tidak lagi diperlukan surat fiskal antardaerah. Persyaratannya: berkas mutasi dari "
     "Samsat asal, KTP NTB, BPKB asli, dan cek fisik. Informasi di situs sudah kami perbarui."),
    ("bappenda", "bappenda-keringanan-pkb", "aspirasi", "lainnya",
     "Usul agar program pemutihan denda pajak kendaraan diumumkan lebih awal dan juga lewat kantor desa, "
     "karena banyak warga di desa baru tahu setelah programnya selesai.",
     "Terima kasih atas usulan Anda. Pengumuman program keringanan tahun depan akan kami kirim ke seluruh "
     "kantor desa melalui pemerintah kabupaten/kota paling lambat satu bulan sebelumnya."),
    ("bappenda", "bappenda-pkb-tahunan", "pengaduan", "perilaku_petugas",
     "Petugas di loket pembayaran berbicara kasar ketika saya bertanya kenapa nominal pajak berbeda dengan "
     "notifikasi di aplikasi.",
     "Kami mohon maaf. Petugas sudah mendapat pembinaan. Perbedaan nominal terjadi karena denda "
     "keterlambatan yang belum tampil di aplikasi; tampilan aplikasi sudah diperbaiki."),
    ("dpmptsp", "dpmptsp-pendampingan-oss", "pengaduan", "lambat",
     "Permohonan pendampingan OSS untuk usaha kecil saya sudah dua minggu tidak ada tanggapan. Nomor "
     "antrean daring juga tidak bisa dibuka.",
     "Mohon maaf atas keterlambatan. Jadwal pendampingan Anda sudah kami tetapkan dan petugas akan "
     "menghubungi Anda melalui nomor yang terdaftar di OSS."),
    ("dpmptsp", "dpmptsp-izin-air-tanah", "pengaduan", "biaya_tidak_sesuai",
     "Untuk rekomendasi izin air tanah saya diminta membayar biaya kajian teknis ke seorang konsultan yang "
     "ditunjuk petugas. Di standar pelayanan tertulis gratis.",
     "Layanan ini memang tanpa biaya. Penunjukan konsultan oleh petugas tidak dibenarkan dan sudah kami "
     "laporkan ke Inspektorat. Anda boleh menyusun kajian sendiri atau memilih konsultan mana pun."),
    ("dpmptsp", "dpmptsp-izin-trayek-akdp", "permintaan_informasi", "prosedur_tidak_jelas",
     "Berapa lama proses izin trayek AKDP untuk penambahan dua bus, dan apakah harus datang langsung ke Mal "
     "Pelayanan Publik?",
     "Proses izin trayek paling lama 14 hari kerja sejak berkas lengkap dan dapat diajukan daring melalui "
     "OSS. Kedatangan langsung hanya untuk penyerahan dokumen asli bila diminta."),
    ("dpmptsp", "dpmptsp-persetujuan-lingkungan", "aspirasi", "lainnya",
     "Mohon disediakan contoh dokumen UKL-UPL yang sudah disetujui agar pelaku usaha kecil tidak perlu "
     "bolak-balik konsultasi.",
     "Usulan Anda kami terima. Contoh dokumen UKL-UPL beserta daftar periksanya sudah tersedia di meja "
     "informasi dan di situs DPMPTSP."),
    ("dpmptsp", None, "pengaduan", "sarana",
     "Lift di gedung Mal Pelayanan Publik rusak, pengguna kursi roda tidak bisa naik ke lantai dua tempat "
     "loket perizinan.",
     "Selama lift diperbaiki, petugas perizinan melayani di loket lantai satu untuk pengunjung berkebutuhan "
     "khusus. Lift dijadwalkan kembali beroperasi minggu depan."),
    ("rsud-ntb", "rsud-ntb-rawat-jalan", "pengaduan", "lambat",
     "Antrean poli penyakit dalam dimulai jam 7 tetapi dokter baru datang jam 11. Tidak ada pemberitahuan "
     "kepada pasien yang menunggu.",
     "Kami sudah menetapkan jadwal praktik dokter yang ditempel di depan poli dan pemberitahuan melalui "
     "layar antrean bila dokter terlambat."),
    ("rsud-ntb", "rsud-ntb-salinan-rekam-medis", "permintaan_informasi", "prosedur_tidak_jelas",
     "Bagaimana cara meminta salinan resume medis almarhum ayah saya untuk klaim asuransi?",
     "Ahli waris dapat meminta resume medis di loket rekam medis dengan membawa surat kematian, kartu "
     "keluarga, dan KTP pemohon. Salinan selesai dalam 3 hari kerja."),
    ("dpmpd-dukcapil", "dpmpd-dukcapil-fasilitasi-adminduk", "pengaduan", "perilaku_petugas",
     "Ibu saya penyandang disabilitas dan tidak bisa datang ke kantor. Petugas menolak layanan jemput bola "
     "dengan alasan kuota habis.",
     "Layanan jemput bola bagi kelompok rentan tidak dibatasi kuota. Petugas akan datang ke rumah Ibu Anda "
     "sesuai jadwal yang kami sampaikan melalui telepon."),
    ("dishub", "dishub-permohonan-rambu-jalan", "aspirasi", "sarana",
     "Mohon dipasang lampu penerangan di jalan provinsi dekat sekolah di Gerung. Jalan gelap dan sudah dua "
     "kali terjadi kecelakaan.",
     "Lokasi sudah disurvei dan pemasangan lampu penerangan masuk rencana kerja triwulan ini."),
    ("dikbud", "dikbud-legalisir-ijazah", "pengaduan", "biaya_tidak_sesuai",
     "Legalisir ijazah dari sekolah yang sudah tutup dikenakan biaya Rp25.000 per lembar. Setahu saya "
     "layanan ini gratis.",
     "Legalisir memang gratis. Pungutan tersebut sudah dihentikan dan kami telah mengingatkan seluruh "
     "petugas layanan."),
)
# Not ours to answer: the desk sends the citizen elsewhere.
NOT_AUTHORITY = (
    ("pengaduan", "lainnya", "Jalan kabupaten di desa kami rusak berat sejak musim hujan dan belum diperbaiki.",
     "Jalan ini kewenangan Pemerintah Kabupaten Lombok Tengah. Silakan sampaikan ke Dinas PUPR kabupaten "
     "atau melalui SP4N-LAPOR!."),
    ("pengaduan", "pungli", "Ada pungutan parkir liar di depan pasar kota setiap pagi.",
     "Parkir di jalan kota kewenangan Pemerintah Kota Mataram (Dinas Perhubungan Kota). Laporan Anda dapat "
     "disampaikan melalui SP4N-LAPOR! agar diteruskan ke sana."),
)
HOLD_REASON = "Menunggu keterangan tambahan dari pelapor (nomor berkas)."
RATINGS = ((4, "Terima kasih, uang sudah dikembalikan."), (3, None), (2, "Jawaban jelas tetapi belum ada perubahan di loket."),
           (1, "Masalah saya belum selesai."), (4, None))
NAMES = ("Baiq Nurul Aini", "Lalu Ahmad Fauzi", "Ni Made Sari", "Muhammad Ridwan", "Siti Hajar", "I Ketut Arya")

# How many of each status, 60 in all. "reopened": answered, reopened by the citizen, back with the agency.
PLAN = (
    ("sent", 8), ("verified", 5), ("forwarded", 12), ("reopened", 2), ("followed_up", 10), ("closed", 15),
    ("on_hold", 4), ("not_authority", 4),
)


class DemoExists(KioskError):
    """The database already holds the demo (or anything called demo-*)."""


@dataclass
class DemoResult:
    accounts: list[tuple[str, str, str, str | None]] = field(default_factory=list)  # username, role, agencies, totp
    complaints: int = 0
    codes: dict[str, str] = field(default_factory=dict)  # status -> one tracking code in it


def _create_user(engine: Engine, *, username: str, display_name: str, role: str, password: str,
                 agencies: tuple[str, ...], totp_secret: str | None, by: audit.Actor) -> int:
    """Through the accounts module: its password rules, its columns and its audit row."""
    from . import staff

    return staff.create_user(engine, username=username, display_name=display_name, role=role, password=password,
                             agencies=agencies, by=by, totp_secret=totp_secret)


def _demo_exists(engine: Engine) -> bool:
    with reader(engine) as conn:
        return conn.scalar(sa.select(sa.func.count()).select_from(staff_users)
                           .where(staff_users.c.username.like(PREFIX + "%"))) > 0


def build(engine: Engine, settings: Settings, *, at: datetime | None = None, seed: int = 11) -> DemoResult:
    """Fill a (fresh) central database with the demo; returns the accounts and a code per status."""
    import pyotp

    if _demo_exists(engine):
        raise DemoExists("This database already has demo accounts; start from an empty database.")
    rnd = random.Random(seed)
    today = at or now()
    result = DemoResult()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    evidence_demo.add(engine, settings, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))  # issue 15
    ids: dict[str, int] = {}
    for username, display, role, agencies, totp in ACCOUNTS:
        secret = pyotp.random_base32() if totp else None
        ids[username] = _create_user(engine, username=username, display_name=display, role=role, password=PASSWORD,
                                     agencies=agencies, totp_secret=secret, by=audit.SYSTEM)
        result.accounts.append((username, role, ",".join(agencies), secret))
    with engine.begin() as conn:
        for dev_id, name, office, agency in KIOSKS:
            # A token nobody holds: these kiosks exist to be named on complaints, not to sync.
            conn.execute(devices.insert().values(id=dev_id, name=name, office=office, agency_id=agency,
                                                 token_hash=secrets.token_hex(32), enrolled_at=today - timedelta(days=90)))
    cal = workdays.calendar(settings, today.astimezone(settings.tz).date())
    n = 0
    for status, count in PLAN:
        for _ in range(count):
            code = _complaint(engine, settings, cal, rnd, status, n, today, ids)
            result.codes.setdefault(status, tracking.display(code))
            n += 1
    result.complaints = n
    return result


def _complaint(engine, settings, cal, rnd: random.Random, plan: str, n: int, today: datetime, ids,
               code: str | None = None) -> str:
    tz = settings.tz
    desk = audit.Actor(ids.get("demo-desk"), "demo-desk", "127.0.0.1")
    if plan == "not_authority":
        klass, topic, text, answer = NOT_AUTHORITY[n % len(NOT_AUTHORITY)]
        agency, service = None, None
    else:
        agency, service, klass, topic, text, answer = CASES[n % len(CASES)]
    officer_name = {"bappenda": "demo-bappenda", "dpmptsp": "demo-dpmptsp"}.get(agency or "", "demo-desk")
    officer = audit.Actor(ids.get(officer_name), officer_name, "127.0.0.1")
    privacy = ("biasa", "biasa", "biasa", "anonim", "rahasia")[n % 5]
    dev_id = KIOSKS[2][0] if agency == "dpmptsp" else KIOSKS[n % 2][0]
    # Older for statuses further along, so the timelines have room; forwarded ones partly overdue.
    ages = {"sent": (0.2, 4), "verified": (1, 5), "forwarded": (3, 14), "reopened": (12, 20), "followed_up": (6, 16),
            "closed": (20, 60), "on_hold": (5, 15), "not_authority": (3, 20)}[plan]
    received = today - timedelta(days=rnd.uniform(*ages))
    created = received - timedelta(minutes=rnd.uniform(1, 240))
    steps: list[tuple[Status, audit.Actor, str | None, str | None]] = []  # status, who, public note, internal note
    verify = (Status.VERIFIED, desk, None, None)
    forward = (Status.FORWARDED, desk, None, "Mohon ditindaklanjuti sesuai standar pelayanan.")
    respond = (Status.FOLLOWED_UP, officer, None, None)
    if plan == "verified":
        steps = [verify]
    elif plan == "forwarded":
        steps = [verify, forward]
    elif plan in ("followed_up", "reopened"):
        steps = [verify, forward, respond]
    elif plan == "closed":
        steps = [verify, forward, respond, (Status.CLOSED, desk, None, None)]
    elif plan == "on_hold":
        steps = [(Status.ON_HOLD, desk, HOLD_REASON, None)]
    elif plan == "not_authority":
        steps = [verify, (Status.NOT_AUTHORITY, desk, answer, None)]
    span = (today - received).total_seconds()
    marks = sorted(rnd.uniform(0.05, 0.9) * span for _ in steps)
    times = [received + timedelta(seconds=s) for s in marks]
    uid = str(uuidlib.UUID(int=rnd.getrandbits(128), version=4))
    code = code or tracking.generate()
    values: dict = {
        "uuid": uid, "device_id": dev_id, "tracking_code": code, "created_at": created, "received_at": received,
        "class": klass, "topic": topic, "agency_id": agency, "service_id": service, "privacy": privacy,
        "description": MARK + text, "incident_date": None,
        "identity": None if privacy == "anonim" else json.dumps({
            "name": MARK + NAMES[n % len(NAMES)], "phone": f"+62 812-0000-{n:04d}",
            "email": f"warga{n}@contoh.invalid" if n % 3 == 0 else None}),
        "consent_version": "pdp-2026-11", "consent_at": created, "status": Status.SENT.value, "status_at": received,
        "handling_agency_id": agency,
    }
    events = []
    audits = []
    for (status, who, note, internal), t in zip(steps, times, strict=True):
        values["status"], values["status_at"] = status.value, t
        if status is Status.VERIFIED:
            values["verified_at"] = t
        if status is Status.FORWARDED:
            values["forwarded_at"] = t
        if status is Status.FOLLOWED_UP:
            values["response"], values["response_at"] = answer, t
        if status in (Status.CLOSED, Status.NOT_AUTHORITY):
            values["closed_at"] = t
        events.append({"complaint_uuid": uid, "device_id": dev_id, "status": status.value, "at": t, "note": note,
                       "actor": who.username, "internal_note": internal, "user_id": who.user_id})
        action = {Status.VERIFIED: "verify", Status.FORWARDED: "forward", Status.FOLLOWED_UP: "respond",
                  Status.CLOSED: "close", Status.ON_HOLD: "hold", Status.NOT_AUTHORITY: "not-authority"}[status]
        audits.append((who, action, t))
    if plan == "reopened":
        t = values["response_at"] + (today - values["response_at"]) * 0.5
        values.update(status=Status.FORWARDED.value, status_at=t, forwarded_at=t, reopen_requested_at=t, reopened_count=1)
        values.update(citizen_rating=1, citizen_comment="Belum ada perubahan, petugas masih meminta uang.",
                      citizen_rated_at=t - timedelta(minutes=5))
        events.append({"complaint_uuid": uid, "device_id": dev_id, "status": Status.FORWARDED.value, "at": t,
                       "note": "Dibuka kembali atas permintaan pelapor. / Reopened at the reporter's request.",
                       "actor": "citizen", "internal_note": "Belum ada perubahan, petugas di loket masih sama.",
                       "user_id": None})
        audits.append((audit.SYSTEM, "reopen", t))
    elif values.get("response") and n % 3 != 0:
        face, comment = RATINGS[n % len(RATINGS)]
        values.update(citizen_rating=face, citizen_comment=comment,
                      citizen_rated_at=values["response_at"] + timedelta(hours=rnd.uniform(2, 40)))
    values["due_on"] = workdays.due_on(values["status"], values["status_at"], received, cal, tz)
    if values["due_on"] is not None and values["due_on"] < today.astimezone(tz).date():
        values["overdue_at"] = today
    with engine.begin() as conn:
        conn.execute(records.insert().values(uuid=uid, kind="complaint", device_id=dev_id, body_hash="d" * 64,
                                             received_at=received))
        conn.execute(complaints.insert().values(**values))
        for e in events:
            conn.execute(complaint_events.insert().values(**e))
        for who, action, t in audits:
            audit.record(conn, who, audit.COMPLAINT_ACTION, complaint_uuid=uid,
                         target="citizen" if who is audit.SYSTEM else None,
                         detail={"action": action, "demo": True}, at=t)
    return code


# Fixed codes for the screenshots of the public page (web/screenshots.py PAGES): answered and open to
# a rating, confidential, closed and rated.
SCREENSHOT_CODES = {"followed_up": "RR9FGADYJCB", "confidential": "Z3NW4QYDRAB", "closed": "TJQ4SFSDEU5"}


def screenshot_seed(engine: Engine, settings: Settings) -> None:
    """Three demo complaints under known codes, for ``make staff-screenshots`` (web/screenshots.py SEEDS)."""
    rnd = random.Random(5)
    today = now()
    catalog.publish(engine, json.loads(DEMO_CATALOG.read_text(encoding="utf-8")))
    with engine.begin() as conn:
        for dev_id, name, office, agency in KIOSKS:
            conn.execute(devices.insert().values(id=dev_id, name=name, office=office, agency_id=agency,
                                                 token_hash=secrets.token_hex(32), enrolled_at=today - timedelta(days=90)))
    cal = workdays.calendar(settings, today.astimezone(settings.tz).date())
    # n picks the case and the privacy mode (n % 5 == 4 is rahasia) and whether it was rated (n % 3 != 0).
    for plan, n, code in (("followed_up", 0, SCREENSHOT_CODES["followed_up"]),
                          ("followed_up", 4, SCREENSHOT_CODES["confidential"]),
                          ("closed", 1, SCREENSHOT_CODES["closed"])):
        _complaint(engine, settings, cal, rnd, plan, n, today, {}, code=code)


def describe(result: DemoResult, url: str) -> str:
    """What `kiosk central demo` prints: where to go and how to sign in."""
    lines = [
        f"Demo central server: {url}/staff/sign-in",
        f"Every demo account's password: {PASSWORD}",
        "",
        f"{'USERNAME':<15} {'ROLE':<11} {'AGENCIES':<10} TOTP SECRET (add it to an authenticator app)",
    ]
    for username, role, agencies, secret in result.accounts:
        lines.append(f"{username:<15} {role:<11} {agencies or '-':<10} {secret or '-'}")
    lines += ["", f"{result.complaints} demo complaints. Public tracking pages, one per status:"]
    lines += [f"  {status:<14} {url}/lacak/{code}" for status, code in result.codes.items()]
    return "\n".join(lines)
