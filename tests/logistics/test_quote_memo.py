"""The route and price a quote remembers per network object are what a cold quote computes, a
consignment differing in any figure's digits is priced on its own, and a changed network is
priced afresh."""

from datetime import date
from decimal import Decimal as D

from ewtp.logistics import routing, snapshot
from ewtp.logistics.quote import quote_shipping
from ewtp.logistics.rates import ParcelSpec

DAY = date(2026, 3, 2)


def _cold(*args, **kwargs):
    routing._memo.held = None  # forget what this thread remembered
    return quote_shipping(*args, **kwargs).as_dict()


def test_a_remembered_quote_is_the_cold_quote(network):
    parcels = [ParcelSpec(D("1.2"), D(30), D(20), D(10)), ParcelSpec(D("7"), D(45), D(35), D(30))]
    fastest = quote_shipping(parcels, "MY", "AU", on=DAY, currency="AUD", prefer="fastest").route.lane_ids
    cheapest = quote_shipping(parcels, "MY", "AU", on=DAY, currency="AUD").route.lane_ids
    asks = [dict(currency="AUD"), dict(currency="AUD", prefer="fastest"), dict(currency="EUR"),
            dict(currency="AUD", lane_ids=fastest), dict(currency="AUD", lane_ids=cheapest),
            dict(currency="AUD", prefer="fastest", lane_ids=fastest)]
    cold = [_cold(parcels, "MY", "AU", on=DAY, **ask) for ask in asks]
    for _ in range(2):  # every one asked again, after the others: from the memo
        assert [quote_shipping(parcels, "MY", "AU", on=DAY, **ask).as_dict() for ask in asks] == cold
    assert cold[0]["price"] != cold[1]["price"] and cold[3]["lane_ids"] == cold[1]["lane_ids"]
    # asked for the route it chose, the quote is the one it gave (the memo answers it without routing)
    assert cold[4] == cold[0] and cold[5] == cold[1]
    routing._memo.held = None
    quote_shipping(parcels, "MY", "AU", on=DAY, currency="AUD")
    assert quote_shipping(parcels, "MY", "AU", on=DAY, currency="AUD", lane_ids=cheapest).as_dict() == cold[4]


def test_the_same_weight_in_other_digits_and_a_changed_network_are_priced_afresh(network):
    one = [ParcelSpec(D("1.2"), D(30), D(20), D(10))]
    same = [ParcelSpec(D("1.20"), D(30), D(20), D(10))]
    quote_shipping(one, "MY", "AU", on=DAY, currency="AUD")
    memo = routing.network_memo(snapshot.network_on(DAY))
    before = len(memo)
    quote_shipping(same, "MY", "AU", on=DAY, currency="AUD")
    assert len(memo) > before  # its own entry (an answer never depends on how a figure is written)
    snapshot.forget()  # the network changed: a new network object, a new memo
    assert routing.network_memo(snapshot.network_on(DAY)) is not memo
    assert quote_shipping(one, "MY", "AU", on=DAY, currency="AUD").as_dict() == _cold(one, "MY", "AU", on=DAY,
                                                                                      currency="AUD")


def test_the_legs_kept_for_a_network_and_the_medians_given_are_the_quote_computed_alone(network):
    from ewtp.logistics.transit import corridor_medians

    parcels = [ParcelSpec(D("2.5"), D(30), D(20), D(10))]
    net = snapshot.network_on(DAY)
    for currency in ("AUD", "EUR", "MYR"):
        alone = _cold(parcels, "MY", "AU", on=DAY, currency=currency)
        for _ in range(2):  # computed, then kept
            given = quote_shipping(parcels, "MY", "AU", on=DAY, currency=currency, network=net,
                                   medians=corridor_medians(DAY))
            assert given.as_dict(net) == alone
