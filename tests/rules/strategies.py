"""Hypothesis strategies: random baskets for every jurisdiction (all 12 packs, several EU members)."""

from __future__ import annotations

from hypothesis import strategies as st

DESTINATIONS = {"DE": "EUR", "FR": "EUR", "PL": "PLN", "BG": "EUR", "SE": "SEK", "IE": "EUR", "GB": "GBP",
                "US": "USD", "AU": "AUD", "NZ": "NZD", "CA": "CAD", "SG": "SGD", "MY": "MYR", "CN": "CNY",
                "JP": "JPY", "NO": "NOK", "CH": "CHF"}
HS = ["610910", "611020", "620442", "640399", "420221", "851713", "847130", "330499", "090210", "090121", "950300",
      "940360", "490199", "392690", "871200", "711719", "851830", "910211"]
REGS = ["EU-IOSS", "GB-VAT", "AU-GST", "NZ-GST", "SG-OVR", "MY-LVG", "NO-VOEC", "CH-VAT"]
OWN_REG = {"GB": "GB-VAT", "AU": "AU-GST", "NZ": "NZ-GST", "SG": "SG-OVR", "MY": "MY-LVG", "NO": "NO-VOEC",
           "CH": "CH-VAT"}
DATES = ["2024-03-15", "2025-06-01", "2025-09-10", "2026-03-02", "2026-07-01", "2026-11-20"]


def money(lo: int = 1, hi: int = 80000) -> st.SearchStrategy[str]:
    return st.integers(lo, hi).map(lambda c: f"{c / 100:.2f}")


@st.composite
def line(draw) -> dict:
    # a duty rate on the line keeps codes without a shipped rate quotable
    return {"hs_code": draw(st.sampled_from(HS)), "origin": draw(st.sampled_from(["CN", "US", "VN", "MY", "DE"])),
            "quantity": draw(st.integers(1, 6)), "unit_price": draw(money()),
            "duty_rate": draw(st.sampled_from([None, "0.05", "0.12"])),
            "vat_rate": draw(st.sampled_from([None] * 5 + ["0.05"])),
            "excise_rate": draw(st.sampled_from([None] * 8 + ["0.15"]))}


@st.composite
def basket(draw, dest: str | None = None) -> dict:
    dest = dest or draw(st.sampled_from(sorted(DESTINATIONS)))
    regs = draw(st.lists(st.sampled_from(REGS), max_size=3, unique=True))
    own = OWN_REG.get(dest, "EU-IOSS" if DESTINATIONS[dest] in ("EUR", "PLN", "SEK") else None)
    if own and own not in regs and draw(st.booleans()):
        regs.append(own)
    return {
        "date": draw(st.sampled_from(DATES)),
        "destination": {"country": dest, "subdivision": draw(st.sampled_from(["", "ON", "NS"])) if dest == "CA" else ""},
        "ship_from": draw(st.sampled_from(["CN", "US", "MX", "MY"])),
        "mode": draw(st.sampled_from(["post", "courier", "air", "sea", "road"])),
        "incoterm": draw(st.sampled_from(["DDP", "DAP"])),
        "currency": draw(st.sampled_from(["USD", "EUR", "CNY", DESTINATIONS[dest]])),
        "prices_include_tax": draw(st.booleans()),
        "shipping": draw(money(0, 5000)), "insurance": draw(st.sampled_from(["0.00", "1.50", "12.35"])),
        "seller": {"registrations": regs},
        "buyer": {"cbec_used_this_year": draw(st.sampled_from(["0.00", "20000.00", "25990.00"]))},
        "lines": draw(st.lists(line(), min_size=1, max_size=4)),
    }
