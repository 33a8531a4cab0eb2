"""Every HS subheading the demo catalogue sells has a duty rate in every shipped schedule.

Without one, a checkout of that good above the destination's low-value limit is refused ("no duty
rate"). The only exceptions are duties that are not ad valorem, which the engine does not compute:
each is listed here with the text its schedule's note must carry, and must still be refused, so the
list cannot silently go stale when a rate (or specific-duty support) is added.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

import ewtp.demo
from ewtp.core.errors import ValidationFailed
from ewtp.rules.engine import quote
from ewtp.rules.tariffs import schedules
from tests.rules.helpers import req

CATALOGUE = json.loads((Path(ewtp.demo.__file__).parent / "data" / "catalogue.json").read_text(encoding="utf-8"))
ON = date(2026, 11, 20)  # the default quote date of tests.rules.helpers.req
CATALOGUE_HS = sorted({p["hs"] for p in CATALOGUE["products"]})
JURISDICTIONS = sorted(schedules())
COUNTRY = {j: ("DE" if j == "EU" else j) for j in JURISDICTIONS}  # a destination whose pack uses schedule j

# (jurisdiction, subheading) -> text the schedule's note must contain to explain the gap
NOT_AD_VALOREM = {
    ("CH", "090121"): "0901.21",  # CHF per 100 kg gross
    ("CH", "090210"): "0902",
    ("CH", "090230"): "0902",
    ("JP", "640399"): "JPY 4,300 per pair",  # tariff quota: greater of 30% or JPY 4,300/pair
}


def test_the_catalogue_names_subheadings():
    assert CATALOGUE_HS and all(len(h) == 6 and h.isdigit() for h in CATALOGUE_HS)
    assert set(NOT_AD_VALOREM) <= {(j, h) for j in JURISDICTIONS for h in CATALOGUE_HS}


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_every_catalogue_subheading_has_a_rate(jurisdiction):
    sched = schedules()[jurisdiction]
    missing = []
    for hs in CATALOGUE_HS:
        line = sched.lookup(hs, ON)
        if (jurisdiction, hs) in NOT_AD_VALOREM:
            assert line is None or line.rate is None, f"{jurisdiction} {hs} now has a rate: drop it from the gaps"
            assert NOT_AD_VALOREM[jurisdiction, hs] in sched.note, f"{jurisdiction} note must explain {hs}"
            continue
        if line is None or line.rate is None:
            missing.append(hs)
            continue
        assert line.source, f"{jurisdiction} {hs} has no source"
        assert 0 <= line.rate < 1, f"{jurisdiction} {hs} rate {line.rate} is not an ad valorem fraction"
    assert not missing, f"{jurisdiction} has no duty rate for {missing}"


@pytest.mark.parametrize("jurisdiction", JURISDICTIONS)
def test_a_quote_above_every_low_value_limit_is_refused_only_for_the_gaps(jurisdiction):
    # USD 3,000 per line is above every de minimis and CBEC limit, so duty is due on every line
    body = req(COUNTRY[jurisdiction], "USD", [(hs, 1, "3000.00") for hs in CATALOGUE_HS])
    gaps = {f"lines.{i}.hs_code" for i, hs in enumerate(CATALOGUE_HS) if (jurisdiction, hs) in NOT_AD_VALOREM}
    try:
        result = quote(body)
    except ValidationFailed as e:
        assert e.code == "no_duty_rate" and set(e.fields) == gaps, str(e)
    else:
        assert not gaps, f"{jurisdiction} quoted codes listed as not ad valorem"
        assert result["totals"]["duty"]
