"""Load the network (hubs, carriers and their partner organisations, lanes, dated rate tables) from
`data/network.toml`. Idempotent: every row has a natural key (hub code, carrier code, the lane's
kind/carrier/mode/ends, the table's lane and start date), so a second load changes nothing and an
edited file updates the rows it names. Rows no longer in the file are kept (shipments point at
them) but their lanes are marked inactive."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from ewtp.accounts.models import Organisation
from ewtp.core import audit
from ewtp.core.actor import SYSTEM, Actor
from ewtp.core.errors import ValidationFailed
from ewtp.logistics.models import Carrier, Hub, Lane, RateBreak, RateTable
from ewtp.logistics.snapshot import forget

NETWORK_FILE = Path(__file__).parent / "data" / "network.toml"


@dataclass
class LoadReport:
    hubs: int = 0
    carriers: int = 0
    lanes: int = 0
    rate_tables: int = 0
    changed: int = 0  # rows created or updated

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _lane_ends(spec: dict) -> list[tuple[str | None, str | None, str, str]]:
    """(from_hub, to_hub, from_country, to_country) for each lane a spec expands to."""
    kind = spec["kind"]
    if kind == Lane.FIRST_MILE:
        return [(None, spec["to_hub"], c, "") for c in spec["from_countries"]]
    if kind == Lane.LINE_HAUL:
        return [(a, b, "", "") for a, b in spec["pairs"]]
    if kind == Lane.LAST_MILE:
        return [(spec["from_hub"], None, "", c) for c in spec["to_countries"]]
    raise ValidationFailed.field("lanes.kind", f"unknown lane kind {kind!r}")


def _sync(model, existing: dict, key, values: dict, report: LoadReport, make: dict):
    """The row for `key` with `values`: updated in place when it differs, else queued for creation."""
    obj = existing.get(key)
    if obj is None:
        obj = model(**make, **values)
        existing[key] = obj
        report.changed += 1
        return obj
    dirty = [k for k, v in values.items() if getattr(obj, k) != v]
    if dirty:
        for k in dirty:
            setattr(obj, k, values[k])
        obj.save(update_fields=dirty)
        report.changed += 1
    return obj


def _create(model, objs: list) -> None:
    new = [o for o in objs if o.pk is None]
    model.objects.bulk_create(new)
    if any(o.pk is None for o in new):  # a backend without RETURNING: fetch the keys
        raise RuntimeError("bulk_create did not return primary keys; SQLite >= 3.35 or PostgreSQL needed")


def _breaks_of(version: dict) -> list[tuple[Decimal | None, Decimal, Decimal]]:
    out = [(Decimal(b["max_kg"]) if "max_kg" in b else None, Decimal(b["price"]), Decimal(b.get("per_kg", "0")))
           for b in version["breaks"]]
    if any(p.as_tuple().exponent < -2 or k.as_tuple().exponent < -2 for _, p, k in out):
        raise ValidationFailed.field("tariffs.breaks", "prices have at most 2 decimals (the columns' scale)")
    if any(m is None for m, _, _ in out[:-1]):
        raise ValidationFailed.field("tariffs.breaks", "only the last break may be open-ended")
    return out


def _load_tables(lanes: list[tuple[Lane, dict]], report: LoadReport) -> None:
    existing = {(t.lane_id, t.effective_from): t
                for t in RateTable.objects.filter(lane__in=[lane for lane, _ in lanes]).prefetch_related("breaks")}
    tables: list[tuple[RateTable, list]] = []
    for lane, tariff in lanes:
        for version in tariff["versions"]:
            start = date.fromisoformat(version["effective_from"])
            end = date.fromisoformat(version["effective_to"]) if version.get("effective_to") else None
            table = _sync(RateTable, existing, (lane.pk, start),
                          {"currency": tariff["currency"], "effective_to": end,
                           "volumetric_divisor": tariff["volumetric_divisor"], "source": tariff["source"]},
                          report, {"lane": lane, "effective_from": start})
            tables.append((table, _breaks_of(version)))
    new = {id(t) for t, _ in tables if t.pk is None}
    _create(RateTable, [t for t, _ in tables])
    stale, fresh = [], []
    for table, wanted in tables:
        is_new = id(table) in new
        have = [] if is_new else [(b.max_kg, b.price, b.per_kg) for b in sorted(table.breaks.all(), key=lambda b: b.pk)]
        if have != wanted:
            stale.append(table.pk)
            fresh += [RateBreak(table=table, max_kg=m, price=p, per_kg=k) for m, p, k in wanted]
            report.changed += not is_new
        report.rate_tables += 1
    RateBreak.objects.filter(table_id__in=stale).delete()
    RateBreak.objects.bulk_create(fresh)


def load_network(path: Path = NETWORK_FILE, actor: Actor = SYSTEM) -> LoadReport:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    report = LoadReport()
    tariffs = {t["key"]: t for t in data["tariffs"]}
    with transaction.atomic():
        hubs = {h.code: h for h in Hub.objects.all()}
        for h in data["hubs"]:
            _sync(Hub, hubs, h["code"], {
                "name": h["name"], "country": h["country"], "city": h["city"], "latitude": Decimal(h["latitude"]),
                "longitude": Decimal(h["longitude"]), "location_id": h["location_id"]}, report, {"code": h["code"]})
            report.hubs += 1
        _create(Hub, list(hubs.values()))
        orgs = {o.name: o for o in Organisation.objects.filter(
            kind=Organisation.LOGISTICS, name__in=[c["organisation"] for c in data["carriers"]])}
        for c in data["carriers"]:
            _sync(Organisation, orgs, c["organisation"], {}, report,
                  {"kind": Organisation.LOGISTICS, "name": c["organisation"], "country": c["country"]})
        _create(Organisation, list(orgs.values()))
        carriers = {c.code: c for c in Carrier.objects.all()}
        for c in data["carriers"]:
            _sync(Carrier, carriers, c["code"], {
                "name": c["name"], "organisation": orgs[c["organisation"]], "code_table": c["code_table"],
                "currency": c["currency"], "liability_per_kg": Decimal(c["liability_per_kg"])}, report,
                {"code": c["code"]})
            report.carriers += 1
        _create(Carrier, list(carriers.values()))
        existing = {(la.kind, la.carrier_id, la.mode, la.from_hub_id, la.to_hub_id, la.from_country, la.to_country): la
                    for la in Lane.objects.all()}
        lanes: list[tuple[Lane, dict]] = []
        for spec in data["lanes"]:
            if spec["tariff"] not in tariffs:
                raise ValidationFailed.field("lanes.tariff", f"no tariff {spec['tariff']!r}")
            carrier = carriers[spec["carrier"]]
            for from_hub, to_hub, from_country, to_country in _lane_ends(spec):
                fh, th = hubs.get(from_hub or ""), hubs.get(to_hub or "")
                ends = {"from_hub": fh, "to_hub": th, "from_country": from_country or (fh.country if fh else ""),
                        "to_country": to_country or (th.country if th else "")}
                key = (spec["kind"], carrier.pk, spec["mode"], fh.pk if fh else None, th.pk if th else None,
                       ends["from_country"], ends["to_country"])
                lane = _sync(Lane, existing, key, {"transit_days": Decimal(spec["transit_days"]), "active": True},
                             report, {"kind": spec["kind"], "carrier": carrier, "mode": spec["mode"], **ends})
                lanes.append((lane, tariffs[spec["tariff"]]))
                report.lanes += 1
        _create(Lane, [lane for lane, _ in lanes])
        _load_tables(lanes, report)
        retired = Lane.objects.filter(active=True).exclude(pk__in=[lane.pk for lane, _ in lanes]).update(active=False)
        report.changed += retired
        if report.changed:
            audit.record(actor, "logistics.load_network", object_type="logistics.network", object_id=path.name,
                         after=report.as_dict())
    forget()  # the cached network of the day is stale now
    return report
