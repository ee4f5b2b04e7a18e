"""Request and response bodies of the HTTP API, as pydantic models (they make the OpenAPI spec).

Record *bodies* stay plain JSON objects here: the domain validators judge them, one record at a time,
so that one bad record is a per-record 4xx and not a rejected batch.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..sync import wire


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrollIn(Strict):
    code: str = Field(min_length=1, max_length=64, description="The one-time enrollment code, e.g. 7KQ4-M2XT-9HBC")
    name: str = Field(default="", max_length=200, description="A name for the kiosk, shown in the fleet view")
    version: str = Field(default="", max_length=64)
    nonce: str | None = Field(
        default=None, min_length=32, max_length=128,
        description="A random secret the kiosk keeps across retries: the same code and nonce again (while the code "
                    "is valid) give the same device and a new token, so a lost answer can be asked for again",
    )


class EnrollOut(BaseModel):
    device_id: str
    token: str = Field(description="The device token. Shown once: the server keeps only its hash.")
    office: str
    agency_id: str
    identity_key_id: str = Field(description="The id of the key below: sealed identities name it")
    identity_public_key: str = Field(
        description="The server's current X25519 public key (base64): the kiosk seals every identity with it"
    )


class RecordIn(Strict):
    uuid: str = Field(max_length=64, description="The record's UUID, made on the kiosk when it was created")
    kind: str = Field(max_length=32, description="complaint | rating | heartbeat")
    body: dict[str, Any]


class PushIn(Strict):
    records: list[RecordIn]


class RecordResult(BaseModel):
    uuid: str | None
    status: Literal["stored", "replay", "conflict", "rejected"]
    code: str | None = Field(default=None, description="Problem code for conflict and rejected, e.g. 409.1")
    message: str | None = None
    message_id: str | None = None


class PushOut(BaseModel):
    device_id: str
    results: list[RecordResult]


class StaffPinOut(BaseModel):
    pin_hash: str = Field(description="scrypt$N$R$P$SALT$DIGEST (or an older pbkdf2_sha256$ROUNDS$SALT$DIGEST), "
                          "as kiosk.domain.pin makes it")
    set_at: str | None


class KioskSettingsOut(BaseModel):
    values: dict[str, Any] = Field(
        description="The settings the server sets for this kiosk (its own, else its office's); a key left out "
                    "is not set on the server, and the kiosk's config.toml applies (kiosk/domain/kiosk_settings.py)"
    )
    sources: dict[str, Literal["kiosk", "office", "config"]] = Field(
        description="Where each value (and `staff_pin`) comes from: set for this kiosk, for its office, or not "
                    "set on the server"
    )


class CatalogOut(BaseModel):
    changed: bool
    cursor: str | None
    catalog: dict[str, Any] | None = Field(
        default=None, description="The whole catalog (iplik-catalog/1), services carrying `ikm` aggregates"
    )
    holidays: list[date] | None = Field(
        default=None,
        description=(
            "Non-working days (national holidays, cuti bersama and the province's local ones) from last "
            "year to two years ahead, sent with every answer, changed or not, so the kiosk's receipt "
            "deadlines count the same working days as the server. Absent from older servers."
        ),
    )
    staff_pin: StaffPinOut | None = Field(
        default=None,
        description=(
            "The staff PIN of this kiosk's office as set with `kiosk central office pin` (its hash only), "
            "sent with every answer; null when the office has none, so the kiosk's config.toml PIN applies. "
            "Absent from older servers."
            " A PIN set for this one kiosk on the staff pages takes the office's place."
        ),
    )
    settings: KioskSettingsOut | None = Field(
        default=None,
        description=(
            "Kiosk settings set on the server for this kiosk or its office, sent with every answer (not part "
            "of the cursor). Absent from older servers: the kiosk then keeps what it had."
        ),
    )
    identity_public_key: str | None = Field(
        default=None,
        description=(
            "The server's current key for sealing identities (base64 X25519), sent with every answer so "
            "that a key rotation reaches kiosks enrolled before it. Absent from older servers."
        ),
    )


class EventOut(BaseModel):
    id: int
    status: str
    at: str
    note: str | None


class UpdateOut(BaseModel):
    uuid: str
    tracking_code: str
    status: str
    status_at: str
    response: str | None
    response_at: str | None
    events: list[EventOut]


class UpdatesOut(BaseModel):
    cursor: str
    more: bool
    updates: list[UpdateOut]


class TimelineEntry(BaseModel):
    status: str
    at: str | None
    note: str | None


class DeadlineOut(BaseModel):
    label: str
    due: str


class TrackOut(BaseModel):
    tracking_code: str
    class_: str = Field(alias="class")
    topic: str
    privacy: str
    agency_id: str | None
    agency_name: str | None
    agency_name_en: str | None
    service_id: str | None
    service_name: str | None
    service_name_en: str | None
    description: str
    status: str
    status_label: str
    status_at: str
    timeline: list[TimelineEntry]
    response: str | None
    response_at: str | None
    next_deadline: DeadlineOut | None

    model_config = ConfigDict(populate_by_name=True)


class ProblemOut(BaseModel):
    code: str = Field(examples=["409.1"])
    message: str
    message_id: str
    details: Any | None = None


class HealthOut(BaseModel):
    ok: bool
    version: str
    database: str


LIMITS_DOC = (
    f"At most {wire.MAX_BATCH_RECORDS} records and {wire.MAX_REQUEST_BYTES} bytes per request by default."
)
