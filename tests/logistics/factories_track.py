"""Fixtures for the tracking tests: the sample network and shipments built from the models
(ewtp.logistics.samples_track) until the network helper's create_shipment is merged."""

from __future__ import annotations

import pytest

from ewtp.accounts.models import Organisation
from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Role
from ewtp.logistics.samples_track import Route, make_shipment, network


@pytest.fixture
def net(db):
    return network()


@pytest.fixture
def seller_org(db):
    return Organisation.objects.create(kind=Organisation.SELLER, name="Batik House", country="MY")


@pytest.fixture
def buyer_user(make_user):
    return make_user(Role.BUYER)


@pytest.fixture
def shipment(net, seller_org, buyer_user):
    return make_shipment(seller_org, buyer_user)


@pytest.fixture
def sea_shipment(net, seller_org, buyer_user):
    return make_shipment(seller_org, buyer_user, Route(origin="CN", destination="DE", origin_hub="HGH",
                                                       first_mile="CNPOST", line_haul="MAERSK", mode="sea"))


@pytest.fixture
def carrier_actor(make_user, net):
    """carrier_actor("DHLX") -> the Actor of a staff member of that carrier's organisation."""

    def make(code: str):
        return actor_for_user(make_user(Role.LOGISTICS_PARTNER, organisation=net[1][code].organisation))

    return make


@pytest.fixture
def carrier_token(make_user, net):
    """carrier_token("DHLX") -> a bearer token of that carrier's organisation."""
    from ewtp.accounts.services import issue_token

    def make(code: str) -> str:
        operator = actor_for_user(make_user(Role.HUB_OPERATOR))
        return issue_token(operator, net[1][code].organisation, f"{code} tracking").secret

    return make


__all__ = ["buyer_user", "carrier_actor", "carrier_token", "net", "sea_shipment", "seller_org", "shipment"]
