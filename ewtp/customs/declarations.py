"""Declarations: built from a matched parcel, routed to a risk lane, acted on by officers.

Status codes are the China receipt codes (CEB622 returnStatus). Every change goes through
`_move`, which refuses a transition not in TRANSITIONS (409, nothing changes), writes a
DeclarationEvent and an audit entry. At release, the duty and tax the hub collected for its own
orders move to the jurisdiction's payable accounts in the same transaction (payments.remittance).
The order's process learns of releases and rejections by reading declarations (it polls: customs
knows nothing of orders).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit
from ewtp.core.actor import SYSTEM, Actor, Role
from ewtp.core.compiled import CompiledQuery, insert, save_fields
from ewtp.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ewtp.core.money import Money
from ewtp.core.permissions import require_access
from ewtp.customs import risk
from ewtp.customs.models import Declaration, DeclarationEvent, Parcel, RiskRule
from ewtp.customs.taxes import declared_taxes
from ewtp.payments import remittance

DECLARING, ACCEPTED, REVIEW, CONCLUDED, INSPECTION, HELD, RELEASED, REJECTED = (
    "2", "120", "300", "399", "500", "599", "800", "100")
STATUS_LABELS = {DECLARING: "declaring", ACCEPTED: "accepted", REVIEW: "manual review",
                 CONCLUDED: "examination concluded", INSPECTION: "inspection", HELD: "held",
                 RELEASED: "released", REJECTED: "rejected"}
TERMINAL = {RELEASED, REJECTED}
LANE_STATUS = {risk.GREEN: RELEASED, risk.YELLOW: REVIEW, risk.RED: INSPECTION}
# action -> (allowed from, to); the system actions come first, then the officer's
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({DECLARING}), ACCEPTED),
    "route_green": (frozenset({ACCEPTED}), RELEASED),
    "route_yellow": (frozenset({ACCEPTED}), REVIEW),
    "route_red": (frozenset({ACCEPTED}), INSPECTION),
    "documents_changed": (frozenset({ACCEPTED, REVIEW, CONCLUDED, INSPECTION, HELD}), REVIEW),
    "hold": (frozenset({ACCEPTED, REVIEW, CONCLUDED, INSPECTION}), HELD),
    "request_documents": (frozenset({REVIEW, CONCLUDED, INSPECTION, HELD}), REVIEW),
    "conclude": (frozenset({INSPECTION}), CONCLUDED),
    "release": (frozenset({REVIEW, CONCLUDED, HELD}), RELEASED),
    "reject": (frozenset({ACCEPTED, REVIEW, CONCLUDED, INSPECTION, HELD}), REJECTED),
}
OFFICER_ACTIONS = ("hold", "request_documents", "conclude", "release", "reject")
NEEDS_REASON = {"reject", "request_documents"}


def _step(actor: Actor | str, decl: Declaration, action: str, note: str = "") -> DeclarationEvent:
    """One transition in memory, refused (409, nothing changes) when not in TRANSITIONS -> its
    event (unsaved)."""
    allowed, target = TRANSITIONS[action]
    if decl.status not in allowed:
        raise Conflict(f"cannot {action.replace('_', ' ')} a declaration in status {decl.status} "
                       f"({STATUS_LABELS.get(decl.status, '?')})")
    before = decl.status
    decl.status = target
    if action in NEEDS_REASON:
        decl.reason = note
    who = actor if isinstance(actor, str) else actor.audit_name
    return DeclarationEvent(declaration=decl, action=action, from_status=before, to_status=target, actor=who,
                            note=note)


def _audit_move(actor: Actor | str, decl: Declaration, event: DeclarationEvent,
                record: Callable[..., object] | None = None) -> None:
    (record or audit.record)(actor, f"customs.declaration.{event.action}", decl, before={"status": event.from_status},
                 after={"status": event.to_status, "note": event.note})


def _move(actor: Actor | str, decl: Declaration, action: str, note: str = "", now: datetime | None = None) -> None:
    event = _step(actor, decl, action, note)
    save_fields(decl, ["status", "reason", "updated_at"])
    insert([event])  # a new row: the insert save() would run, its statement made once
    _audit_move(actor, decl, event)
    if decl.status == RELEASED:
        _released(actor, decl, now)


def _released(actor: Actor | str, decl: Declaration, now: datetime | None = None) -> None:
    """A DDP duty and tax is due at clearance: what the hub collected for this order leaves its
    escrow for the payable accounts now (nothing for other marketplaces' orders: no quote)."""
    # never before the declaration itself
    decl.released_at = max(now or timezone.now(), decl.created_at or timezone.now())
    _remit(actor, decl)
    save_fields(decl, ["released_at", "remittance_tx", "updated_at"])


def _remit(actor: Actor | str, decl: Declaration, *, savepoint: bool = True) -> None:
    if decl.charges is not None:
        decl.remittance_tx = remittance.remit_at_clearance(
            actor, decl.parcel.order_no, Money(decl.duty, decl.currency), Money(decl.tax_total, decl.currency),
            savepoint=savepoint)


def buyer_year_to_date(buyer_id: str, year: int, exclude_parcel: int | None = None) -> Decimal:
    """The exact sum of the buyer's declarations that count this year, at the column's scale: SQL's
    SUM goes through floats on SQLite (444 there, 444.00000 on PostgreSQL), and a batch's book
    (`store.Book.year_to_date`) sums the same values in Python — one answer everywhere."""
    qs = Declaration.objects.filter(buyer_id_number=buyer_id, created_at__year=year).exclude(status=REJECTED)
    if exclude_parcel is not None:
        qs = qs.exclude(parcel_id=exclude_parcel)
    return sum(qs.values_list("customs_value", flat=True), Decimal(0))


def _lines(order, inventory) -> list[dict]:
    hs = {li.gnum: li.gcode for li in inventory.lines} if inventory is not None else {}
    return [{"gnum": li.gnum, "hs_code": hs.get(li.gnum, ""), "name": li.item_name, "qty": str(li.qty),
             "unit": li.unit, "unit_price": str(li.price), "value": str(li.total_price), "country": li.country}
            for li in order.lines]


def _apply_documents(decl: Declaration, docs: dict) -> None:
    order, waybill, inventory = docs["order"], docs["waybill"], docs.get("inventory")
    quote = decl.parcel.landed_cost
    figures = declared_taxes(order, waybill, decl.regime, quote)
    decl.buyer_id_number = order.buyer_id_number
    decl.goods_value, decl.freight = order.goods_value, order.freight
    decl.insured_fee = waybill.insured_fee or Decimal(0)
    decl.customs_value, decl.duty, decl.tax_total, decl.tax_source = (
        figures.customs_value, figures.duty, figures.tax_total, figures.source)
    decl.regime, decl.charges = figures.regime, figures.charges
    decl.currency = quote["currency"] if quote else "CNY" if decl.jurisdiction == "CN" else order.currency
    decl.lines = _lines(order, inventory)
    if quote:  # the hub's own DDP order: the hub declares and withholds
        decl.declarant = decl.withholding_agent = f"{order.ebp_name} ({order.ebp_code})"[:100]
        return
    decl.declarant = (f"{inventory.agent_name} ({inventory.agent_code})" if inventory is not None
                      else f"{order.ebp_name} ({order.ebp_code})")[:100]
    decl.withholding_agent = (inventory.assure_code if inventory is not None
                              else f"{order.ebc_name} ({order.ebc_code})")[:100]


def active_rules(jurisdiction: str) -> list[risk.Rule]:
    return [risk.Rule(kind=r.kind, lane=r.lane, params=r.params, id=r.pk)
            for r in RiskRule.objects.filter(jurisdiction=jurisdiction, active=True).order_by("pk")]


def build(parcel: Parcel, docs: dict, now: datetime, rules: list[risk.Rule] | None,
          ytd: Callable[[str, int, int], Decimal] | None = None) -> tuple[Declaration, list[DeclarationEvent]]:
    """A matched parcel's declaration built, accepted and routed in memory -> (the unsaved row,
    its three events: declare, accept, route). `ytd`: `buyer_year_to_date` (the default) or the
    caller's stand-in for it."""
    decl = Declaration(parcel=parcel, number=f"{parcel.jurisdiction}{parcel.pk:012d}",
                       jurisdiction=parcel.jurisdiction, regime="9610", status=DECLARING)
    _apply_documents(decl, docs)
    declared = DeclarationEvent(declaration=decl, action="declare", to_status=DECLARING, actor="system")
    accepted = _step(SYSTEM, decl, "accept")
    lane, reasons = _lane(decl, now, rules, ytd)
    decl.lane, decl.lane_reasons = lane, reasons
    routed = _step(SYSTEM, decl, f"route_{lane}", "; ".join(r["why"] for r in reasons))
    decl.created_at = timezone.now()
    if decl.status == RELEASED:
        decl.released_at = decl.created_at
    return decl, [declared, accepted, routed]


def audit_declared(decl: Declaration, events: list[DeclarationEvent],
                   record: Callable[..., object] | None = None) -> None:
    """The audit entries of a declaration `build` made, once written (`record`: `audit.record`, or a
    caller's that records them later, in order)."""
    record = record or audit.record
    record(SYSTEM, "customs.declaration.declare", decl, after={"number": decl.number, "status": DECLARING})
    for event in events[1:]:
        _audit_move(SYSTEM, decl, event, record)


def declare(parcel: Parcel, docs: dict, *, now: datetime | None = None,
            rules: list[risk.Rule] | None = None) -> Declaration:
    """Build, accept and route the declaration of a matched parcel (inside the caller's transaction).
    `rules`: the jurisdiction's active risk rules when the caller has read them already.
    The three steps run through the same transition checks in memory, then the row is written
    once with its events in one insert: the same row, events and audit entries (in the same
    order) as step by step, without four updates of a row nobody else sees yet. (A batch's fast
    path writes many together: `customs.declare_batch`.)"""
    decl, events = build(parcel, docs, now or timezone.now(), rules)
    insert([decl])  # a new row: the insert save() would run, its statement made once
    insert(events)
    audit_declared(decl, events)
    if decl.status == RELEASED and decl.charges is not None:
        # a refusal leaves declare() and rolls back the caller's savepoint with the declaration:
        # the remittance needs no savepoint of its own (one per green parcel was a tenth of a batch)
        _remit(SYSTEM, decl, savepoint=False)
        save_fields(decl, ["remittance_tx", "updated_at"])
    return decl


def _lane(decl: Declaration, now: datetime, rules: list[risk.Rule] | None,
          ytd: Callable[[str, int, int], Decimal] | None = None) -> tuple[str, list[dict]]:
    rules = active_rules(decl.jurisdiction) if rules is None else rules
    # the buyer's year-to-date is a query per parcel: read only when a rule looks at it
    ytd_of = ytd or buyer_year_to_date
    value = (ytd_of(decl.buyer_id_number, now.year, decl.parcel_id)
             if any(r.kind == "buyer_over_limit" for r in rules) else Decimal(0))
    facts = risk.Facts(number=decl.number, value=decl.customs_value, buyer_year_to_date=value, now=now,
                       lines=[{**li, "unit_price": Decimal(li["unit_price"])} for li in decl.lines],
                       seller_since=decl.parcel.seller.created_at if decl.parcel.seller_id else None)
    return risk.assess(rules, facts)


def route(decl: Declaration, *, now: datetime, rules: list[risk.Rule] | None = None) -> None:
    """Route an accepted declaration to its risk lane (green is released at once)."""
    lane, reasons = _lane(decl, now, rules)
    decl.lane, decl.lane_reasons = lane, reasons
    save_fields(decl, ["lane", "lane_reasons", "updated_at"])
    _move(SYSTEM, decl, f"route_{lane}", note="; ".join(r["why"] for r in reasons), now=now)


def documents_changed(decl: Declaration, docs: dict | None) -> None:
    """A document of a declared parcel changed: refresh the figures, and send it to manual review."""
    if docs is not None:
        _apply_documents(decl, docs)
        decl.save()
    _move(SYSTEM, decl, "documents_changed", note="matched again after a change" if docs else
          "the documents no longer match")


def require_declaration_access(actor: Actor, decl: Declaration) -> None:
    """Officers of another jurisdiction are refused openly (403): they know declarations exist and
    the single window's rule is that only the declaration's own jurisdiction sees it. Anyone else
    who may not see it gets 404, so declaration ids cannot be probed."""
    require_access(actor, decl, hide=actor.role != Role.CUSTOMS_OFFICER)


# an officer's declaration, locked: compiled once (a queue of them is worked one by one)
_locked = CompiledQuery(lambda pk: Declaration.objects.select_for_update().filter(pk=pk).order_by("pk")[:1])


def officer_action(actor: Actor, decl_id: int, action: str, reason: str = "",
                   now: datetime | None = None) -> Declaration:
    """hold / request_documents / conclude / release / reject, by an officer of the jurisdiction.
    `now`: when it happened, for a simulation on its own clock (the demo's officers); else now."""
    if action not in OFFICER_ACTIONS:
        raise ValidationFailed.field("action", f"one of {', '.join(OFFICER_ACTIONS)}")
    reason = (reason or "").strip()
    if action in NEEDS_REASON and not reason:
        raise ValidationFailed.field("reason", f"a reason is required to {action.replace('_', ' ')}")
    with transaction.atomic():
        decl = _locked.first(decl_id)
        if decl is None:
            raise NotFound("Declaration not found")
        require_declaration_access(actor, decl)
        if actor.role != Role.CUSTOMS_OFFICER:
            raise Forbidden("only a customs officer of this jurisdiction may act on a declaration")
        _move(actor, decl, action, note=reason, now=now)
    return decl
