"""Cart, checkout and order API. Placing an order is idempotent through the Idempotency-Key
middleware (a retry returns the same order group) and through the quote (placed once)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ewtp.accounts.api_auth import actor_of
from ewtp.core.permissions import get_accessible
from ewtp.core.schemas import ERRORS, Input, ObjectId
from ewtp.market import cart, orders, placement
from ewtp.market.checkout import quote_checkout
from ewtp.market.fulfilment import accept_order
from ewtp.market.models import CartLine, CheckoutQuote, Order, OrderGroup

router = Router(tags=["checkout and orders"])


class CartLineIn(Input):
    variant_id: int = Field(..., gt=0, le=2**63 - 1)
    quantity: int = Field(..., ge=0, le=999)


class CartLineOut(Schema):
    variant_id: int
    sku: str
    title: str
    seller_id: int
    quantity: int
    unit_price: str
    currency: str


class AddressIn(Input):
    name: str = Field(..., max_length=100)
    phone: str = Field(..., max_length=30)
    line1: str = Field(..., max_length=200)
    city: str = Field(..., max_length=100)
    postcode: str = Field("", max_length=20)
    country: str = Field(..., min_length=2, max_length=2)
    subdivision: str = Field("", max_length=10)
    id_name: str = Field("", max_length=100, description="China only: the buyer's name as on the ID")
    id_number: str = Field("", max_length=18, description="China only: PRC resident identity number")


class CheckoutIn(Input):
    address: AddressIn


class QuoteOut(Schema):
    id: int
    currency: str
    total: str
    expires_at: str
    consignments: list[dict]


class PlaceIn(Input):
    quote_id: int = Field(..., gt=0, le=2**63 - 1)


class OrderOut(Schema):
    id: int
    reference: str
    seller_id: int
    state: str
    currency: str
    goods: str
    shipping: str
    duty: str
    tax: str
    total: str


class GroupOut(Schema):
    id: int
    currency: str
    total: str
    orders: list[OrderOut]


class TransitionIn(Input):
    to: str = Field(..., max_length=20)
    reason: str = Field("", max_length=500)


def _order_out(o: Order) -> dict:
    return {"id": o.pk, "reference": o.reference, "seller_id": o.seller_id, "state": o.state, "currency": o.currency,
            "goods": str(o.goods), "shipping": str(o.shipping), "duty": str(o.duty), "tax": str(o.tax),
            "total": str(o.total)}


def _group_out(g: OrderGroup, orders: list[Order] | None = None) -> dict:
    placed = sorted(orders, key=lambda o: o.pk) if orders is not None else g.orders.order_by("pk")
    return {"id": g.pk, "currency": g.currency, "total": str(g.total), "orders": [_order_out(o) for o in placed]}


def _cart_out(lines: list[CartLine]) -> list[dict]:
    return [{"variant_id": ln.variant_id, "sku": ln.variant.sku, "title": ln.variant.product.title(),
             "seller_id": ln.variant.seller_id, "quantity": ln.quantity, "unit_price": str(ln.variant.price_amount),
             "currency": ln.variant.currency} for ln in lines]


@router.get("/cart", response={200: list[CartLineOut], **ERRORS})
def get_cart(request: HttpRequest):
    return _cart_out(cart.buyer_lines(actor_of(request)))


@router.put("/cart/lines", response={200: list[CartLineOut], **ERRORS})
def set_cart_line(request: HttpRequest, payload: CartLineIn):
    return _cart_out(cart.set_lines(actor_of(request), payload.variant_id, payload.quantity))


@router.post("/checkout", response={201: QuoteOut, **ERRORS})
def checkout(request: HttpRequest, payload: CheckoutIn):
    q = quote_checkout(actor_of(request), payload.address.dict())
    return Status(201, {"id": q.pk, "currency": q.currency, "total": str(q.total),
                        "expires_at": q.expires_at.isoformat(), "consignments": q.payload["consignments"]})


@router.post("/orders", response={201: GroupOut, **ERRORS})
def place(request: HttpRequest, payload: PlaceIn):
    placed = placement.place(actor_of(request), payload.quote_id)
    return Status(201, _group_out(placed.group, placed.orders))


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def get_order(request: HttpRequest, order_id: ObjectId):
    return _order_out(get_accessible(actor_of(request), Order, "order", pk=order_id))


@router.post("/orders/{order_id}/transitions", response={200: OrderOut, **ERRORS})
def transition(request: HttpRequest, order_id: ObjectId, payload: TransitionIn):
    if payload.to == Order.ACCEPTED:  # the seller accepts: the shipment is created with it
        return _order_out(accept_order(actor_of(request), order_id)[0])
    return _order_out(orders.transition(actor_of(request), order_id, payload.to, reason=payload.reason))


@router.get("/quotes/{quote_id}", response={200: QuoteOut, **ERRORS})
def get_quote(request: HttpRequest, quote_id: ObjectId):
    q = get_accessible(actor_of(request), CheckoutQuote, "quote", pk=quote_id)
    return {"id": q.pk, "currency": q.currency, "total": str(q.total), "expires_at": q.expires_at.isoformat(),
            "consignments": q.payload["consignments"]}
