"""A matched parcel's declaration is built, accepted and routed in memory and written once: the
trail (events and audit entries, in order) is the one of three separate steps, and the lane is the
same as routing it step by step (`declarations.route`)."""

from __future__ import annotations

from ewtp.core.models import AuditEntry
from ewtp.customs import declarations, intake
from ewtp.customs.models import Declaration, DeclarationEvent
from ewtp.customs.services import save_risk_rule
from tests.customs.test_push_many import _kinds, _pusher, parties  # noqa: F401 - fixture


def _declared(n: int, payer, carrier) -> Declaration:
    for kind, doc in _kinds(n):
        intake.push_json(_pusher(kind, payer, carrier), kind, doc)
    return Declaration.objects.get(parcel__order_no=_kinds(n)[0][1]["orderNo"])


def _trail(d: Declaration) -> tuple[list, list]:
    events = list(DeclarationEvent.objects.filter(declaration=d).order_by("pk")
                  .values_list("action", "from_status", "to_status", "actor", "note"))
    audit = list(AuditEntry.objects.filter(object_type="customs.declaration", object_id=str(d.pk)).order_by("seq")
                 .values_list("action", "before", "after"))
    return events, audit


def test_declare_writes_the_trail_of_three_steps(parties, make_user):  # noqa: F811
    from ewtp.accounts.services import actor_for_user
    from ewtp.core.actor import Role

    payer, carrier = parties
    operator = actor_for_user(make_user(Role.HUB_OPERATOR))
    green = _declared(21, payer, carrier)
    assert green.status == declarations.RELEASED and green.released_at is not None
    assert _trail(green) == (
        [("declare", "", declarations.DECLARING, "system", ""),
         ("accept", declarations.DECLARING, declarations.ACCEPTED, "system", ""),
         ("route_green", declarations.ACCEPTED, declarations.RELEASED, "system", "")],
        [("customs.declaration.declare", None, {"number": green.number, "status": declarations.DECLARING}),
         ("customs.declaration.accept", {"status": declarations.DECLARING},
          {"status": declarations.ACCEPTED, "note": ""}),
         ("customs.declaration.route_green", {"status": declarations.ACCEPTED},
          {"status": declarations.RELEASED, "note": ""})])
    # a rule on the buyer's year-to-date still reads it (the first parcel counts for the second)
    save_risk_rule(operator, kind="buyer_over_limit", lane="red", params={"limit": "1"}, jurisdiction="CN")
    red = _declared(22, payer, carrier)
    assert (red.status, red.lane, red.released_at) == (declarations.INSPECTION, "red", None)
    events, audit = _trail(red)
    assert [e[0] for e in events] == ["declare", "accept", "route_red"] and "year-to-date" in events[2][4]
    assert audit[2][2] == {"status": declarations.INSPECTION, "note": events[2][4]}
    # routing step by step gives the same lane and reasons (the figures read back at the column's scale)
    again = Declaration.objects.get(pk=red.pk)
    again.status = declarations.ACCEPTED
    declarations.route(again, now=red.created_at)
    assert (again.status, again.lane) == (red.status, red.lane)
    assert [r["kind"] for r in again.lane_reasons] == [r["kind"] for r in red.lane_reasons] == ["buyer_over_limit"]
