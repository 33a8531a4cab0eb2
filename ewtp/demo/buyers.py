"""The simulated buyers' details: delivery addresses per country, the CBEC identity for China,
and the SANDBOX provider's test cards (one that pays, one that declines)."""

from __future__ import annotations

import random

from ewtp.market.identity import check_character

GOOD_CARD, DECLINED_CARD = "4242424242424242", "4000000000000002"
CITY = {"AU": "Sydney", "NZ": "Auckland", "GB": "London", "US": "Chicago", "CA": "Toronto", "SG": "Singapore",
        "MY": "Kuala Lumpur", "CN": "Hangzhou", "JP": "Osaka", "NO": "Oslo", "CH": "Zurich", "DE": "Berlin",
        "FR": "Lyon", "NL": "Utrecht", "BE": "Liege", "IT": "Milan"}


def _address(country: str, buyer_id: int, rng: random.Random) -> dict:
    addr = {"name": f"Buyer {buyer_id}", "phone": f"+00 {rng.randint(1000000, 9999999)}",
            "line1": f"{rng.randint(1, 200)} Market Street", "city": CITY.get(country, "Capital"),
            "postcode": str(rng.randint(10000, 99999)), "country": country}
    if country == "CN":
        addr.update(id_name="王小明", id_number=_prc_id(rng))
    return addr


def _prc_id(rng: random.Random) -> str:
    body = f"330106{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + check_character(body)
