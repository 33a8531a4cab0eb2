"""Stock editing from the seller console: whole numbers not below what is reserved, 409 when the
figure changed meanwhile, an audit entry per change, nobody else's stock."""

from __future__ import annotations

import pytest
from django.test import Client

from ewtp.core.audit import verify
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.models import AuditEntry
from ewtp.market import catalogue, stock
from ewtp.market.models import StockLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked(make_seller, make_product):
    actor, org = make_seller()
    p = make_product(actor, org)
    w = catalogue.create_warehouse(actor, org, name="Shah Alam", country="MY")
    v = p.variants.get()
    catalogue.set_stock(actor, v.pk, w.pk, 10)
    StockLevel.objects.filter(variant=v, warehouse=w).update(reserved=3)
    return actor, org, v, w


def test_rows_list_every_variant_and_warehouse(stocked):
    actor, org, v, w = stocked
    w2 = catalogue.create_warehouse(actor, org, name="Penang", country="MY")
    rows = stock.stock_rows(actor.org_ids)
    assert [(r.warehouse_id, r.on_hand, r.reserved, r.available) for r in rows] == [(w2.pk, 0, 0, 0),
                                                                                   (w.pk, 10, 3, 7)]


def test_edit_checks_expected_reserved_and_audits(stocked):
    actor, _, v, w = stocked
    before = AuditEntry.objects.filter(action="market.edit_stock").count()
    assert stock.edit_stock(actor, v.pk, w.pk, "25", "10").on_hand == 25
    assert AuditEntry.objects.filter(action="market.edit_stock").count() == before + 1
    with pytest.raises(Conflict) as err:  # the seller still believes it is 10
        stock.edit_stock(actor, v.pk, w.pk, "30", "10")
    assert err.value.status == 409 and err.value.code == "stock_changed"
    with pytest.raises(ValidationFailed) as err:
        stock.edit_stock(actor, v.pk, w.pk, "2", "25")
    assert "on_hand" in err.value.fields
    for bad in ("-1", "1.5", "abc", "", "10000001"):
        with pytest.raises(ValidationFailed):
            stock.edit_stock(actor, v.pk, w.pk, bad, "25")
    assert StockLevel.objects.get(variant=v, warehouse=w).on_hand == 25
    assert stock.edit_stock(actor, v.pk, w.pk, "3", "25").on_hand == 3  # down to exactly the reserved units
    assert verify().ok


def test_other_sellers_cannot_edit(stocked, make_seller):
    _, _, v, w = stocked
    other, _ = make_seller()
    with pytest.raises(NotFound):
        stock.edit_stock(other, v.pk, w.pk, "1", "10")


def _page_client(make_user, actor) -> Client:
    from ewtp.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(pk=actor.user_id))
    return c


def test_page_and_htmx_row_answers(stocked, make_user):
    actor, _, v, w = stocked
    c = _page_client(make_user, actor)
    page = c.get("/market/seller/stock/").content.decode()
    assert f'id="stock-{v.pk}-{w.pk}"' in page and 'name="expected" value="10"' in page
    assert "/market/seller/stock/" in c.get("/market/seller/").content.decode()
    url = f"/market/seller/stock/{v.pk}/{w.pk}/"
    ok = c.post(url, {"on_hand": "12", "expected": "10"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and 'data-testid="stock-saved"' in ok.content.decode()
    stale = c.post(url, {"on_hand": "40", "expected": "10"}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and 'name="expected" value="12"' in stale.content.decode()
    low = c.post(url, {"on_hand": "1", "expected": "12"}, HTTP_HX_REQUEST="true")
    assert low.status_code == 422 and 'aria-invalid="true"' in low.content.decode()
    plain = c.post(url, {"on_hand": "14", "expected": "12"})  # without JavaScript: back to the page
    assert plain.status_code == 302 and StockLevel.objects.get(variant=v, warehouse=w).on_hand == 14


def test_page_is_for_sellers_and_translated(stocked, make_user):
    actor, *_ = stocked
    assert _page_client(make_user, actor).get("/market/seller/stock/", HTTP_ACCEPT_LANGUAGE="zh-hans") \
        .content.decode().count("库存") >= 1
    buyer = Client()
    buyer.force_login(make_user("buyer"))
    assert buyer.get("/market/seller/stock/").status_code == 403
    op = Client()
    op.force_login(make_user("hub_operator"))
    assert op.get("/market/seller/stock/").status_code == 403
