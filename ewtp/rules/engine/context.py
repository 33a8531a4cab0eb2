"""Everything a quote needs, loaded once per process: packs, tariffs, ECB rates, HS table.
After `warm()`, a quote does no file I/O and no database query."""

from __future__ import annotations

from datetime import date
from functools import cache

from ewtp.core.errors import ValidationFailed
from ewtp.rules import fx
from ewtp.rules.packs import Pack, pack_by_country, packs
from ewtp.rules.refdata import country_table, hs_table
from ewtp.rules.tariffs import schedules


@cache
def warm() -> bool:
    packs()
    pack_by_country()
    schedules()
    fx.table()
    hs_table()
    country_table()
    return True


def pack_for(country: str, on: date) -> Pack:
    warm()
    pack = pack_by_country().get(country)
    if pack is None:
        covered = ", ".join(sorted(pack_by_country()))
        raise ValidationFailed.field("destination.country",
                                     f"no rule pack for {country}; destinations covered: {covered}")
    if on < pack.coverage_from:
        raise ValidationFailed.field(
            "date", f"{on.isoformat()} is before the {pack.code} rules in this hub (from {pack.coverage_from.isoformat()})")
    return pack
