"""Public pages of the rules layer: jurisdictions, their dated rules with sources, their tariff
lines, and the landed-cost calculator (the same engine as the API and the CLI). Everything here
reads the in-memory packs and tariffs; nothing is written."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ewtp.core.errors import ValidationFailed
from ewtp.core.parse import DB_ID_MAX, form_int
from ewtp.rules.engine import quote
from ewtp.rules.engine.inputs import INCOTERMS, MODES, REGISTRATIONS
from ewtp.rules.packs import packs
from ewtp.rules.refdata import country_table
from ewtp.rules.tariffs import schedules

LINE_ROWS = 4


def local_name(pack) -> str:
    """The jurisdiction's name in the page's language (country names from CLDR via refdata)."""
    if pack.code == "EU":
        return _("European Union")
    row = country_table().get(pack.code)
    lang = (get_language() or "en").lower()
    field = {"zh-hans": "name_zh_hans", "ms": "name_ms"}.get(lang, "name_en")
    return row.get(field) or pack.name if row else pack.name


def jurisdictions(request: HttpRequest) -> HttpResponse:
    today = date.today()
    rows = []
    for p in packs().values():
        in_force = [r for r in p.rules if r.in_force(today)]
        rows.append({"pack": p, "name": local_name(p), "rules": len(p.rules), "in_force": len(in_force),
                     "currency": p.currency or _("member state's"), "members": len(p.members),
                     "tariff_lines": len(schedules()[p.code].all_lines()) if p.code in schedules() else 0})
    return render(request, "rules/jurisdictions.html", {"rows": rows, "today": today})


def _pack(code: str):
    p = packs().get(code.upper())
    if p is None:
        raise Http404(f"no rule pack {code}")
    return p


def jurisdiction(request: HttpRequest, code: str) -> HttpResponse:
    p = _pack(code)
    on_raw = request.GET.get("on", "")
    try:
        on = date.fromisoformat(on_raw) if on_raw else None
    except ValueError:
        on = None
    member = request.GET.get("member", "").upper()[:2]
    rules = [r for r in p.rules if not r.key.startswith("vat.") or (member and r.key == f"vat.{member}")]
    if on is not None:
        rules = [r for r in rules if r.in_force(on)]
    rules.sort(key=lambda r: (r.key, r.effective_from or date.min))
    members = [(m, country_table().get(m, {}).get("name_en", m)) for m in p.members]
    return render(request, "rules/jurisdiction.html", {
        "pack": p, "name": local_name(p), "rules": rules, "restrictions": p.restrictions, "on": on_raw if on else "", "member": member,
        "members": members})


def tariff(request: HttpRequest, code: str) -> HttpResponse:
    p = _pack(code)
    sched = schedules().get(p.code)
    if sched is None:
        raise Http404(f"no tariff schedule for {code}")
    return render(request, "rules/tariff.html", {"pack": p, "name": local_name(p), "schedule": sched,
                                                 "lines": sched.all_lines()})


def _request_from_form(post) -> dict:
    lines = []
    for i in range(LINE_ROWS):
        hs = post.get(f"hs_{i}", "").strip()
        if not hs:
            continue
        qty_raw = post.get(f"qty_{i}", "").strip()
        line = {"hs_code": hs, "description": post.get(f"desc_{i}", "")[:200], "origin": post.get(f"origin_{i}", "").upper(),
                "quantity": q if (q := form_int(qty_raw, low=-DB_ID_MAX)) is not None else qty_raw,
                "unit_price": post.get(f"price_{i}", "").strip()}
        for k in ("duty_rate", "vat_rate", "excise_rate"):
            v = post.get(f"{k}_{i}", "").strip()
            line[k] = v or None
        lines.append(line)
    return {
        "date": post.get("date", ""), "destination": {"country": post.get("country", "").upper(),
                                                      "subdivision": post.get("subdivision", "").upper()},
        "ship_from": post.get("ship_from", "").upper(), "mode": post.get("mode", ""),
        "incoterm": post.get("incoterm", ""), "currency": post.get("currency", "").upper(),
        "prices_include_tax": post.get("prices_include_tax") == "on",
        "shipping": post.get("shipping", "0").strip() or "0", "insurance": post.get("insurance", "0").strip() or "0",
        "seller": {"registrations": [r for r in post.getlist("registrations") if r in REGISTRATIONS]},
        "buyer": {"cbec_used_this_year": post.get("cbec_used", "0").strip() or "0"},
        "lines": lines,
    }


DEFAULTS = {"date": "", "country": "AU", "subdivision": "", "ship_from": "CN", "mode": "courier", "incoterm": "DDP",
            "currency": "USD", "shipping": "12.00", "insurance": "0.00", "cbec_used": "0.00",
            "hs_0": "610910", "desc_0": "cotton T-shirt", "origin_0": "CN", "qty_0": "2", "price_0": "10.00"}


def calculator(request: HttpRequest) -> HttpResponse:
    values = dict(DEFAULTS, date=date.today().isoformat())
    result, errors, message = None, {}, ""
    if request.method == "POST":
        values = {k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
        values["registrations"] = request.POST.getlist("registrations")
        try:
            result = quote(_request_from_form(request.POST))
        except ValidationFailed as exc:
            errors, message = exc.fields, exc.message
    rows = [{"i": i, **{k: values.get(f"{k}_{i}", "") for k in ("hs", "desc", "origin", "qty", "price", "duty_rate",
                                                              "vat_rate", "excise_rate")},
             "errors": [f"{k.split('.', 2)[2]}: {'; '.join(v)}" for k, v in errors.items()
                        if k.startswith(f"lines.{i}.")]}
            for i in range(LINE_ROWS)]
    fe = {k.replace(".", "_"): "; ".join(v) for k, v in errors.items()}  # template lookups cannot hold dots
    ctx = {"v": values, "rows": rows, "result": result, "errors": errors, "fe": fe, "message": message,
           "modes": MODES, "incoterms": INCOTERMS, "registrations": REGISTRATIONS,
           "destinations": sorted({cc for p in packs().values() for cc in (p.members or (p.code,))}),
           "chosen_regs": values.get("registrations", [])}
    template = "rules/calculator_result.html" if request.headers.get("HX-Request") else "rules/calculator.html"
    return render(request, template, ctx, status=422 if errors and not request.headers.get("HX-Request") else 200)
