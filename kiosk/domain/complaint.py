"""A citizen's report as SP4N-LAPOR! classifies it: class, topic, privacy, and who files it.

Labels are English msgids (translated by the i18n layer) so the domain stays free of locale machinery.
"""

from __future__ import annotations

from enum import Enum


class ComplaintClass(str, Enum):
    PENGADUAN = "pengaduan"  # a complaint
    ASPIRASI = "aspirasi"  # a suggestion
    PERMINTAAN_INFORMASI = "permintaan_informasi"  # a request for information


class Topic(str, Enum):
    PUNGLI = "pungli"  # illegal fees
    LAMBAT = "lambat"  # slow service
    PROSEDUR_TIDAK_JELAS = "prosedur_tidak_jelas"
    PERILAKU_PETUGAS = "perilaku_petugas"
    SARANA = "sarana"
    BIAYA_TIDAK_SESUAI = "biaya_tidak_sesuai"
    LAINNYA = "lainnya"


class Privacy(str, Enum):
    BIASA = "biasa"  # public report, identity known to the agency
    ANONIM = "anonim"  # report may be public, identity hidden from the agency
    RAHASIA = "rahasia"  # the report itself is not public


CLASS_LABELS: dict[ComplaintClass, str] = {
    ComplaintClass.PENGADUAN: "Complaint",
    ComplaintClass.ASPIRASI: "Suggestion",
    ComplaintClass.PERMINTAAN_INFORMASI: "Request for information",
}

TOPIC_LABELS: dict[Topic, str] = {
    Topic.PUNGLI: "Illegal fees (pungli)",
    Topic.LAMBAT: "Slow service",
    Topic.PROSEDUR_TIDAK_JELAS: "Unclear procedure",
    Topic.PERILAKU_PETUGAS: "Staff behaviour",
    Topic.SARANA: "Facilities",
    Topic.BIAYA_TIDAK_SESUAI: "Fees that do not match the standard",
    Topic.LAINNYA: "Something else",
}

PRIVACY_LABELS: dict[Privacy, str] = {
    Privacy.BIASA: "Regular",
    Privacy.ANONIM: "Anonymous",
    Privacy.RAHASIA: "Confidential",
}
