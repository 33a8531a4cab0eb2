"""The quote request: JSON -> typed, checked objects. Every problem is collected and reported at
once as ValidationFailed with dotted field names (`lines.0.quantity`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ewtp.core.currencies import is_currency
from ewtp.core.errors import ValidationFailed
from ewtp.rules.refdata import country_table, hs_table, is_country, is_hs_subheading

MODES = ("post", "courier", "air", "sea", "road")
INCOTERMS = ("DDP", "DAP")
REGISTRATIONS = ("EU-IOSS", "GB-VAT", "AU-GST", "NZ-GST", "SG-OVR", "MY-LVG", "NO-VOEC", "CH-VAT")
MAX_LINES = 500
TOP = {"date", "destination", "ship_from", "mode", "incoterm", "currency", "prices_include_tax", "shipping",
       "insurance", "seller", "buyer", "lines", "fx"}
DESTINATION, SELLER, BUYER, FX = ({"country", "subdivision"}, {"country", "registrations"},
                                 {"id", "cbec_used_this_year"}, {"from", "to", "rate"})
LINE = {"hs_code", "description", "origin", "quantity", "unit_price", "unit_weight_kg", "duty_rate", "vat_rate",
        "excise_rate"}


class Line(NamedTuple):
    hs_code: str
    description: str
    origin: str
    quantity: int
    unit_price: Decimal
    unit_weight_kg: Decimal | None
    duty_rate: Decimal | None
    vat_rate: Decimal | None
    excise_rate: Decimal | None


class FxGiven(NamedTuple):
    base: str
    quote: str
    rate: Decimal


class QuoteInput(NamedTuple):
    date: date
    country: str
    subdivision: str
    ship_from: str
    mode: str
    incoterm: str
    currency: str
    prices_include_tax: bool
    shipping: Decimal
    insurance: Decimal
    seller_country: str
    registrations: frozenset[str]
    buyer_id: str
    cbec_used: Decimal
    lines: tuple[Line, ...]
    fx: tuple[FxGiven, ...]


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, name: str, reason: str) -> None:
        self.fields.setdefault(name, []).append(reason)

    def raise_if_any(self) -> None:
        if self.fields:
            summary = "; ".join(f"{k}: {', '.join(v)}" for k, v in self.fields.items())
            raise ValidationFailed(f"invalid quote request — {summary}", fields=self.fields)


ZERO, ONE, TEN = Decimal(0), Decimal(1), Decimal(10)


def _decimal(v: Any, name: str, err: _Errors, *, minimum: Decimal | None = ZERO, strict_min: bool = False,
             below: Decimal | None = None, optional: bool = False) -> Decimal | None:
    if v.__class__ is str and len(v) <= 12 and v.isascii() and "e" not in v and "E" not in v:
        # The usual "12.50": at most 12 characters and no exponent cannot have more than 12 digits
        # on either side of the point, so only the bounds are left to check (same answers, as below).
        try:
            d = Decimal(v.strip())
        except InvalidOperation:
            d = None
        if d is not None and d.is_finite() and (minimum is None or (d > minimum if strict_min else d >= minimum)) \
                and (below is None or d < below):
            return d
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, (str, int)):
        err.add(name, "must be a decimal string such as \"12.50\"")
        return None
    try:
        d = Decimal(v.strip() if isinstance(v, str) else v)
    except InvalidOperation:
        err.add(name, f"not a decimal number: {v!r}")
        return None
    if not d.is_finite():
        err.add(name, f"not a finite decimal number: {v!r}")
        return None
    if minimum is not None and (d <= minimum if strict_min else d < minimum):
        err.add(name, f"must be {'greater than' if strict_min else 'at least'} {minimum}")
        return None
    if below is not None and d >= below:
        err.add(name, f"must be less than {below}")
        return None
    if d.as_tuple().exponent < -12 or d.adjusted() > 12:  # type: ignore[operator]
        err.add(name, "too many digits")
        return None
    return d


def _str(v: Any, name: str, err: _Errors, *, optional: bool = False, maxlen: int = 200) -> str:
    if v is None and optional:
        return ""
    if not isinstance(v, str):
        err.add(name, "must be a string")
        return ""
    if len(v) > maxlen:
        err.add(name, f"at most {maxlen} characters")
        return ""
    return v.strip()


def _country(v: Any, name: str, err: _Errors) -> str:
    if v.__class__ is str and len(v) == 2:  # the usual "CN": answered here when it is a known code
        u = v.upper()
        if u in country_table():
            return u
    s = _str(v, name, err, maxlen=2)
    if s and not is_country(s.upper()):
        err.add(name, f"unknown country code {s!r} (ISO 3166-1 alpha-2 expected)")
        return ""
    return s.upper()


def _obj(v: Any, name: str, err: _Errors, allowed: set[str]) -> dict:
    if not isinstance(v, dict):
        err.add(name, "must be an object")
        return {}
    if not v.keys() <= allowed:
        for k in sorted(set(v) - allowed):
            err.add(f"{name}.{k}", "unknown field")
    return v


def _hs(v: Any, name: str, err: _Errors) -> str:
    if v.__class__ is str and len(v) == 6 and v.isdigit():  # the usual "610910": only the table to ask
        entry = hs_table().get(v)
        if entry is not None and entry.level == 6:
            return v
    s = _str(v, name, err, maxlen=14).replace(".", "").replace(" ", "")
    if not s:
        if isinstance(v, str):
            err.add(name, "required")
        return ""
    if not s.isdigit() or len(s) < 6:
        err.add(name, f"not an HS subheading: {v!r} (6 digits expected, e.g. \"610910\")")
        return ""
    if not is_hs_subheading(s[:6]):
        err.add(name, f"unknown HS code {s[:6]!r}: not an HS 2022 subheading")
        return ""
    return s[:6]


_NAMES: dict[int, dict[str, str]] = {}


def _line_names(i: int) -> dict[str, str]:
    """"lines.i.<field>" for every field ("lines.i" under ""), made once per line number (at most MAX_LINES)."""
    names = _NAMES.get(i)
    if names is None:
        names = _NAMES[i] = {k: f"lines.{i}.{k}" for k in LINE}
        names[""] = f"lines.{i}"
    return names


def _line(v: Any, i: int, err: _Errors) -> Line | None:
    nm = _line_names(i)
    d = _obj(v, nm[""], err, LINE)
    if not d and not isinstance(v, dict):  # not an object (reported); an empty one has every field missing
        return None
    qty = d.get("quantity")
    if isinstance(qty, bool) or not isinstance(qty, int):
        err.add(nm["quantity"], "must be a whole number")
        qty = 0
    elif qty <= 0:
        err.add(nm["quantity"], "must be at least 1")
    elif qty > 1_000_000:
        err.add(nm["quantity"], "at most 1000000")
    get = d.get
    # absent optional figures (the usual case) skip the call
    weight, duty, vat, excise = get("unit_weight_kg"), get("duty_rate"), get("vat_rate"), get("excise_rate")
    desc = get("description", "")
    return Line(
        _hs(get("hs_code"), nm["hs_code"], err),
        desc.strip() if desc.__class__ is str and len(desc) <= 200 else _str(desc, nm["description"], err, optional=True),
        _country(get("origin"), nm["origin"], err),
        qty,
        _decimal(get("unit_price"), nm["unit_price"], err, strict_min=True) or ZERO,
        None if weight is None else _decimal(weight, nm["unit_weight_kg"], err),
        None if duty is None else _decimal(duty, nm["duty_rate"], err, below=TEN),
        None if vat is None else _decimal(vat, nm["vat_rate"], err, below=ONE),
        None if excise is None else _decimal(excise, nm["excise_rate"], err, below=ONE),
    )


def parse(data: Any) -> QuoteInput:
    err = _Errors()
    if not isinstance(data, dict):
        raise ValidationFailed.field("body", "must be a JSON object")
    if not data.keys() <= TOP:
        for k in sorted(set(data) - TOP):
            err.add(k, "unknown field")
    day = None
    raw_date = data.get("date")
    try:
        day = date.fromisoformat(raw_date) if isinstance(raw_date, str) and len(raw_date) == 10 else None
    except ValueError:
        day = None
    if day is None:
        err.add("date", "must be a date YYYY-MM-DD")
    dest = _obj(data.get("destination"), "destination", err, DESTINATION)
    country = _country(dest.get("country"), "destination.country", err) if dest else ""
    subdivision = _str(dest.get("subdivision", ""), "destination.subdivision", err, optional=True, maxlen=6).upper()
    ship_from = _country(data.get("ship_from"), "ship_from", err)
    mode = _str(data.get("mode"), "mode", err)
    if mode and mode not in MODES:
        err.add("mode", f"one of {', '.join(MODES)}")
    incoterm = _str(data.get("incoterm"), "incoterm", err).upper()
    if incoterm and incoterm not in INCOTERMS:
        err.add("incoterm", "DDP or DAP")
    currency = _str(data.get("currency"), "currency", err, maxlen=3).upper()
    if currency and not is_currency(currency):
        err.add("currency", f"unknown currency code {currency!r} (ISO 4217 expected)")
    pit = data.get("prices_include_tax", False)
    if not isinstance(pit, bool):
        err.add("prices_include_tax", "must be true or false")
    shipping = _decimal(data.get("shipping", "0"), "shipping", err)
    insurance = _decimal(data.get("insurance", "0"), "insurance", err)
    seller = _obj(data.get("seller", {}), "seller", err, SELLER)
    seller_country = _country(seller.get("country"), "seller.country", err) if seller.get("country") else ""
    regs = seller.get("registrations", []) if seller else []
    if not isinstance(regs, list):
        err.add("seller.registrations", "must be a list")
        regs = []
    for j, r in enumerate(regs):
        if r not in REGISTRATIONS:
            err.add(f"seller.registrations.{j}", f"unknown registration {r!r}; one of {', '.join(REGISTRATIONS)}")
    buyer = _obj(data.get("buyer", {}), "buyer", err, BUYER)
    buyer_id = _str(buyer.get("id", ""), "buyer.id", err, optional=True)
    used = _decimal(buyer.get("cbec_used_this_year", "0"), "buyer.cbec_used_this_year", err) if buyer else Decimal(0)
    raw_lines = data.get("lines")
    lines: list[Line] = []
    if not isinstance(raw_lines, list) or not raw_lines:
        err.add("lines", "at least one line is required")
    elif len(raw_lines) > MAX_LINES:
        err.add("lines", f"at most {MAX_LINES} lines")
    else:
        lines = [ln for i, v in enumerate(raw_lines) if (ln := _line(v, i, err)) is not None]
    fx: list[FxGiven] = []
    raw_fx = data.get("fx", []) or []
    if not isinstance(raw_fx, list):
        err.add("fx", "must be a list")
        raw_fx = []
    for j, f in enumerate(raw_fx[:20]):
        fo = _obj(f, f"fx.{j}", err, FX)
        if not fo:
            continue
        a = _str(fo.get("from"), f"fx.{j}.from", err, maxlen=3).upper()
        b = _str(fo.get("to"), f"fx.{j}.to", err, maxlen=3).upper()
        for n, c in ((f"fx.{j}.from", a), (f"fx.{j}.to", b)):
            if c and not is_currency(c):
                err.add(n, f"unknown currency code {c!r}")
        rate = _decimal(fo.get("rate"), f"fx.{j}.rate", err, strict_min=True)
        if a and b and rate:
            fx.append(FxGiven(a, b, rate))
    err.raise_if_any()
    return QuoteInput(day, country, subdivision, ship_from, mode, incoterm, currency, pit,  # type: ignore[arg-type]
                      shipping, insurance, seller_country, frozenset(regs), buyer_id, used,  # type: ignore[arg-type]
                      tuple(lines), tuple(fx))
