"""Carrier tracking events in batches: the carrier's raw code kept and normalised, idempotent by
(carrier, event id), placed by event time rather than arrival.

A batch is one transaction: the events are checked (who may post them, delivery proof), the new
ones inserted with one prepared bulk insert, and each touched shipment's status moved with one
set-based UPDATE whose WHERE keeps the latest event by time — so an older event that arrives
late is stored in its place in the history but never rolls the status back, even when two
batches race."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone as dj_timezone

from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Forbidden, NotFound, ValidationFailed
from ewtp.core.permissions import require_role
from ewtp.logistics.codes import normalise, table
from ewtp.logistics.models import Carrier, Leg, Parcel, Shipment, TrackingEvent

HUB_TABLE = "ewtp_hub"  # the hub's own scans: allowed on every shipment the hub handles
DELIVERED = "delivered"


@dataclass(frozen=True)
class EventData:
    event_id: str
    tracking_number: str
    code: str
    occurred_at: datetime  # with its offset (the local time of the scan)
    text: str = ""
    location: str = ""
    country: str = ""
    proof: dict[str, str] | None = None


@dataclass
class BatchResult:
    created: int = 0
    duplicate_ids: list[str] = field(default_factory=list)  # already received: skipped
    unknown_code_ids: list[str] = field(default_factory=list)  # stored and flagged

    @property
    def duplicates(self) -> int:
        return len(self.duplicate_ids)

    @property
    def unknown_codes(self) -> int:
        return len(self.unknown_code_ids)


def tz_offset(dt: datetime) -> str:
    """"+08:00" for a time with that offset (EPCIS keeps the local offset beside the instant)."""
    off = dt.utcoffset()
    minutes = int(off.total_seconds() // 60) if off is not None else 0
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def carrier_for(actor: Actor, carrier_code: str) -> Carrier:
    """The carrier a batch is posted for: its organisation's token (or the hub operator) only."""
    require_role(actor, [Role.LOGISTICS_PARTNER])
    carrier = Carrier.objects.filter(code=carrier_code).first()
    if carrier is None:
        raise NotFound(f"no carrier {carrier_code!r}", fields={"carrier": ["unknown carrier"]})
    if not actor.is_operator and carrier.organisation_id not in actor.org_ids:
        raise Forbidden(f"you do not post events for {carrier.code}")
    return carrier


def offset_tz(offset: str) -> timezone:
    """The fixed-offset zone of "+08:00"."""
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = (int(x) for x in offset[1:].split(":"))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def local_time(e: TrackingEvent) -> datetime:
    """The event's time as the carrier reported it: at the offset of the place it happened."""
    return e.occurred_at.astimezone(offset_tz(e.details.get("tz", "+00:00")))


def _db_time(ops, at: datetime) -> object:
    """The database's value of a time: a scan's local time turned to UTC first, the zone the
    backend writes in (its fast path; the same moment and the same stored text)."""
    return ops.adapt_datetimefield_value(at.astimezone(UTC) if at.tzinfo is not None else at)


_PROBE = datetime(2000, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _writes_utc_text(ops) -> bool:
    """Whether the backend writes a UTC time as the text of its naive value (SQLite on UTC): then
    a batch writes each scan's time as that text of its UTC moment directly (the same text)."""
    return ops.adapt_datetimefield_value(_PROBE) == str(_PROBE.replace(tzinfo=None))


def _has_proof(proof: dict[str, str] | None) -> bool:
    return bool(proof) and any(str(proof.get(k, "")).strip() for k in ("signature", "photo"))


# table names only in these statements; every value is a parameter
_LEGS_BY_NUMBER = "SELECT tracking_no, id, shipment_id FROM logistics_leg WHERE carrier_id = %s AND tracking_no"
_SHIPMENTS_BY_NUMBER = "SELECT tracking_no, id FROM logistics_shipment WHERE tracking_no"
_PARCELS_BY_NUMBER = "SELECT tracking_no, shipment_id FROM logistics_parcel WHERE tracking_no"
_LEGS_OF_SHIPMENTS = "SELECT shipment_id, id, seq FROM logistics_leg WHERE carrier_id = %s AND shipment_id"
_KNOWN_EVENTS = "SELECT event_id FROM logistics_trackingevent WHERE carrier_id = %s AND event_id"


def _resolve(carrier: Carrier, numbers: set[str]) -> dict[str, tuple[int, int | None]]:
    """tracking number -> (shipment id, leg id) for the numbers this carrier may post on: its own
    leg numbers, or the hub's shipment/parcel numbers of shipments it runs a leg of (the hub's own
    carrier: every shipment). Numbers not in the result are unknown to this carrier."""
    found: dict[str, tuple[int, int | None]] = {
        no: (sid, lid) for no, lid, sid in _select_in(_LEGS_BY_NUMBER, [carrier.pk], list(numbers))}
    rest = list(numbers - found.keys())
    if not rest:
        return found
    by_hub_no = dict(_select_in(_SHIPMENTS_BY_NUMBER, [], rest))
    by_hub_no.update(_select_in(_PARCELS_BY_NUMBER, [], [n for n in rest if n not in by_hub_no]))
    # the carrier's leg on each of those shipments (its last, when it runs more than one)
    legs: dict[int, int] = {}
    rows = _select_in(_LEGS_OF_SHIPMENTS, [carrier.pk], list(set(by_hub_no.values())))
    for sid, lid, _seq in sorted(rows, key=lambda r: r[2]):
        legs[sid] = lid
    hub_carrier = carrier.code_table == HUB_TABLE
    for no, sid in by_hub_no.items():
        if sid in legs or hub_carrier:
            found[no] = (sid, legs.get(sid))
    return found


def _select_in(sql: str, params: list, values: list) -> list[tuple]:
    """Rows of `sql ... IN (values)`, in chunks within every database's parameter limit (plain
    SQL: preparing a thousand-value IN lookup through the ORM cost more than the query itself)."""
    rows: list[tuple] = []
    with connection.cursor() as cur:
        for i in range(0, len(values), 900):
            chunk = values[i:i + 900]
            cur.execute(f"{sql} IN ({', '.join(['%s'] * len(chunk))})", [*params, *chunk])
            rows.extend(cur.fetchall())
    return rows


def _check(carrier: Carrier, events: Sequence[EventData]) -> dict[str, tuple[int, int | None]]:
    errors: dict[str, list[str]] = {}
    for i, e in enumerate(events):
        row = normalise(carrier.code_table, e.code)
        if row is not None and row.status == DELIVERED and not _has_proof(e.proof):
            errors[f"events.{i}.proof"] = ["a delivery needs proof: a signature name or a photo reference"]
    if errors:
        raise ValidationFailed("delivery events without proof", fields=errors)
    where = _resolve(carrier, {e.tracking_number for e in events})
    unknown = {f"events.{i}.tracking_number": ["not a shipment this carrier runs"]
               for i, e in enumerate(events) if e.tracking_number not in where}
    if unknown:
        raise NotFound("tracking numbers unknown to this carrier", fields=unknown)
    return where


def ingest(actor: Actor, carrier_code: str, events: Sequence[EventData]) -> BatchResult:
    """Store a batch of one carrier's events; already known event ids are skipped (a retry or a
    resend changes nothing). Refused as a whole (nothing stored) if any event is refused."""
    result = BatchResult()
    if not events:
        return result
    with transaction.atomic():
        carrier = carrier_for(actor, carrier_code)
        where = _check(carrier, events)
        seen = _known_ids(carrier.pk, list({e.event_id for e in events}))
        codes = table(carrier.code_table)
        rows: list[tuple] = []
        # each with the time's database value, made once with its event's row
        latest: dict[int, tuple[datetime, str, str, object]] = {}  # shipment -> newest known status in this batch
        delivered: dict[int, tuple[datetime, dict, object]] = {}
        leg_start: dict[int, tuple[datetime, object]] = {}
        ops, now = connection.ops, ops_now()
        # a batch's events share a few offsets and each number's events its details (without
        # proof): each offset's text and each such details document made once
        offsets: dict[object, str] = {}
        plain: dict[tuple[str, str], object] = {}
        utc_text = _writes_utc_text(ops)
        for e in events:
            if e.event_id in seen:
                result.duplicate_ids.append(e.event_id)
                continue
            seen.add(e.event_id)
            row = codes.get(e.code.strip().upper())
            sid, lid = where[e.tracking_number]
            status, reason = (row.status, row.reason) if row else ("", "")
            off = e.occurred_at.utcoffset()
            tz = offsets.get(off)
            if tz is None:
                tz = offsets[off] = tz_offset(e.occurred_at)
            details: dict = {"tz": tz, "tracking_number": e.tracking_number}
            if e.proof:
                details["proof"] = {k: v for k, v in e.proof.items() if v}
                doc = ops.adapt_json_value(details, None)  # plain strings: the C encoder
            else:
                doc = plain.get((tz, e.tracking_number))
                if doc is None:
                    doc = plain[tz, e.tracking_number] = ops.adapt_json_value(details, None)
            # the UTC moment is the local time less its offset, as astimezone computes it
            db_at = (str(e.occurred_at.replace(tzinfo=None) - off) if utc_text and off is not None
                     else _db_time(ops, e.occurred_at))
            rows.append((sid, lid, carrier.pk, e.event_id, e.code[:32], e.text, status, reason, row is None,
                         db_at, now, e.location, e.country, doc))
            result.created += 1
            if row is None:
                result.unknown_code_ids.append(e.event_id)
                continue
            if sid not in latest or e.occurred_at >= latest[sid][0]:
                latest[sid] = (e.occurred_at, status, reason, db_at)
            if status == DELIVERED and sid not in delivered:
                delivered[sid] = (e.occurred_at, details.get("proof", {}), db_at)
            if lid is not None and (lid not in leg_start or e.occurred_at < leg_start[lid][0]):
                leg_start[lid] = (e.occurred_at, db_at)
        _insert(rows)
        _apply(latest, delivered, leg_start)
        audit.record(actor, "logistics.events_ingested", carrier, after={
            "created": result.created, "duplicates": result.duplicates, "unknown_codes": result.unknown_codes,
            "shipments": len({sid for sid, _ in where.values()})})
    return result


def _known_ids(carrier_id: int, ids: list[str]) -> set[str]:
    """The event ids this carrier has already sent, of `ids`."""
    return {r[0] for r in _select_in(_KNOWN_EVENTS, [carrier_id], ids)}


def ops_now() -> object:
    return connection.ops.adapt_datetimefield_value(dj_timezone.now())


_COLUMNS = ("shipment_id", "leg_id", "carrier_id", "event_id", "raw_code", "raw_text", "status", "reason",
            "unknown_code", "occurred_at", "received_at", "location", "country", "details")


def _insert(rows: list[tuple]) -> None:
    """The bulk insert: one prepared INSERT run for every row. Measured: Django's bulk_create spent
    most of a batch compiling SQL value by value (SQLite allows only 71 such rows a statement);
    a concurrent batch that stored the same event id since we looked is skipped (DO NOTHING)."""
    if not rows:
        return
    table = TrackingEvent._meta.db_table
    marks = ", ".join(["%s"] * len(_COLUMNS))
    with connection.cursor() as cur:
        cur.executemany(f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({marks}) "  # noqa: S608 - names only
                        "ON CONFLICT DO NOTHING", rows)


def _apply(latest: dict[int, tuple[datetime, str, str, object]], delivered: dict[int, tuple[datetime, dict, object]],
           leg_start: dict[int, tuple[datetime, object]]) -> None:
    """Set-based updates: one prepared statement per kind, executed for every touched row."""
    ops = connection.ops
    ship, leg = Shipment._meta.db_table, Leg._meta.db_table
    with connection.cursor() as cur:
        if latest:
            cur.executemany(
                f"UPDATE {ship} SET status = %s, status_reason = %s, status_at = %s "  # noqa: S608 - table names only
                "WHERE id = %s AND (status_at IS NULL OR status_at <= %s)",
                [(st, reason, db_at, sid, db_at) for sid, (_at, st, reason, db_at) in latest.items()])
        if delivered:
            cur.executemany(
                f"UPDATE {ship} SET delivered_at = %s, delivery_proof = %s "  # noqa: S608
                "WHERE id = %s AND delivered_at IS NULL",
                [(db_at, ops.adapt_json_value(proof, DjangoJSONEncoder), sid)
                 for sid, (_at, proof, db_at) in delivered.items()])
            # delivery finishes every leg not finished before (the last one, at least)
            cur.executemany(
                f"UPDATE {leg} SET finished_at = %s WHERE shipment_id = %s AND finished_at IS NULL",  # noqa: S608
                [(db_at, sid) for sid, (_at, _proof, db_at) in delivered.items()])
        if leg_start:
            starts = [(db_at, lid) for lid, (_at, db_at) in leg_start.items()]
            cur.executemany(
                f"UPDATE {leg} SET started_at = %s WHERE id = %s AND (started_at IS NULL OR started_at > %s)",  # noqa: S608
                [(at, lid, at) for at, lid in starts])
            # a leg is finished when the next one starts: the earliest start of any later leg
            cur.executemany(
                f"UPDATE {leg} SET finished_at = %s WHERE (finished_at IS NULL OR finished_at > %s) "  # noqa: S608
                f"AND shipment_id = (SELECT l.shipment_id FROM {leg} l WHERE l.id = %s) "
                f"AND seq < (SELECT l.seq FROM {leg} l WHERE l.id = %s)",
                [(at, at, lid, lid) for at, lid in starts])


def find_shipment(tracking_no: str) -> Shipment | None:
    """A shipment by the hub's tracking number or one of its parcels' numbers."""
    s = Shipment.objects.filter(tracking_no=tracking_no).first()
    if s is None:
        p = Parcel.objects.filter(tracking_no=tracking_no).select_related("shipment").first()
        s = p.shipment if p else None
    return s


def history(shipment: Shipment) -> list[TrackingEvent]:
    """The shipment's events in the order they happened (arrival order breaks ties)."""
    return list(shipment.events.select_related("carrier", "leg").order_by("occurred_at", "id"))


def timeline(shipment: Shipment) -> list[TrackingEvent]:
    """`history` for display: only the columns a page shows, the carrier's name annotated."""
    return list(shipment.events.annotate(carrier_name=F("carrier__name"))
                .only("shipment_id", "leg_id", "raw_code", "raw_text", "status", "reason", "unknown_code", "occurred_at", "location",
                      "country", "details").order_by("occurred_at", "id"))
