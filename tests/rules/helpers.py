"""Request builder for the engine tests."""

from __future__ import annotations

import copy


def req(country: str, currency: str, lines: list[tuple], *, date: str = "2026-11-20", regs: tuple = (),
        shipping: str = "0.00", insurance: str = "0.00", incoterm: str = "DAP", mode: str = "courier",
        ship_from: str = "CN", subdivision: str = "", used: str = "0.00", **extra) -> dict:
    """lines: (hs_code, quantity, unit_price[, origin[, {overrides}]])."""
    out = []
    for ln in lines:
        d = {"hs_code": ln[0], "quantity": ln[1], "unit_price": ln[2], "origin": ln[3] if len(ln) > 3 else "CN",
             "description": "item"}
        if len(ln) > 4:
            d.update(ln[4])
        out.append(d)
    body = {"date": date, "destination": {"country": country, "subdivision": subdivision}, "ship_from": ship_from,
            "mode": mode, "incoterm": incoterm, "currency": currency, "prices_include_tax": False,
            "shipping": shipping, "insurance": insurance, "seller": {"country": "CN", "registrations": list(regs)},
            "buyer": {"id": "b-1", "cbec_used_this_year": used}, "lines": out}
    body.update(copy.deepcopy(extra))
    return body


def amounts(result: dict, kind: str | None = None, name: str | None = None) -> list[str]:
    return [c["amount"] for c in result["charges"] if (kind is None or c["kind"] == kind)
            and (name is None or c["name"] == name)]
