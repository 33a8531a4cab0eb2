"""Carts, locked checkout quotes, and placed orders: one order group per checkout, one order per
seller, each with a frozen snapshot of what it was priced with."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ewtp.accounts.models import Organisation
from ewtp.core.permissions import AccessScope
from ewtp.market.models.catalogue import StockLevel, Variant


class Cart(models.Model):
    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart of {self.buyer_id}"

    def access_scope(self) -> AccessScope:
        return AccessScope(user_id=self.buyer_id)


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "variant"], name="one_line_per_variant")]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.variant_id}"


class CheckoutQuote(models.Model):
    """A priced checkout, locked for 15 minutes; placing an order uses exactly these figures."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cart_fingerprint = models.CharField(max_length=64)
    currency = models.CharField(max_length=3)
    destination = models.JSONField()
    payload = models.JSONField()  # per seller consignment: lines, FX, shipping, engine quote, totals
    total = models.DecimalField(max_digits=18, decimal_places=4)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"quote {self.pk} ({self.total} {self.currency})"

    def access_scope(self) -> AccessScope:
        return AccessScope(user_id=self.buyer_id)


class OrderGroup(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="order_groups")
    quote = models.OneToOneField(CheckoutQuote, on_delete=models.PROTECT, related_name="order_group")
    currency = models.CharField(max_length=3)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    destination = models.JSONField()  # the delivery address as given (and the CBEC identity for CN)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"OG{self.pk}"

    def access_scope(self) -> AccessScope:
        return AccessScope(user_id=self.buyer_id)


class Order(models.Model):
    PLACED, PAID, ACCEPTED, SHIPPED, CLEARED, DELIVERED, COMPLETED = (
        "placed", "paid", "accepted", "shipped", "cleared", "delivered", "completed")
    CANCELLED, RETURN_REQUESTED, RETURNED, REFUNDED = "cancelled", "return_requested", "returned", "refunded"
    STATES = [PLACED, PAID, ACCEPTED, SHIPPED, CLEARED, DELIVERED, COMPLETED, CANCELLED, RETURN_REQUESTED, RETURNED,
              REFUNDED]
    # what buyers and sellers read (get_state_display), in their language
    STATE_LABELS = {PLACED: _("Placed, waiting for payment"), PAID: _("Paid (held in escrow)"),
                    ACCEPTED: _("Accepted by the seller"), SHIPPED: _("Shipped"), CLEARED: _("Cleared by customs"),
                    DELIVERED: _("Delivered"), COMPLETED: _("Completed"), CANCELLED: _("Cancelled"),
                    RETURN_REQUESTED: _("Return requested"), RETURNED: _("Returned"), REFUNDED: _("Refunded")}

    group = models.ForeignKey(OrderGroup, on_delete=models.PROTECT, related_name="orders")
    seller = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="orders")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    reference = models.CharField(max_length=40, unique=True)  # the payment/escrow/customs reference
    state = models.CharField(max_length=20, choices=list(STATE_LABELS.items()), default=PLACED)
    currency = models.CharField(max_length=3)  # the buyer's
    goods = models.DecimalField(max_digits=18, decimal_places=4)
    shipping = models.DecimalField(max_digits=18, decimal_places=4)
    duty = models.DecimalField(max_digits=18, decimal_places=4)
    tax = models.DecimalField(max_digits=18, decimal_places=4)
    fees = models.DecimalField(max_digits=18, decimal_places=4)
    total = models.DecimalField(max_digits=18, decimal_places=4)  # charged at checkout
    hub_fee = models.DecimalField(max_digits=18, decimal_places=4)  # frozen, deducted from the seller's share
    snapshot = models.JSONField()  # lines, FX rate and margin, HS codes, origins, the engine's quote
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # state: the order's process polls for the few orders in a lagging state (`process.py`);
        # without it each poll reads every order ever placed
        indexes = [models.Index(fields=["seller", "state"]), models.Index(fields=["buyer", "created_at"]),
                   models.Index(fields=["state"], name="market_order_state")]

    def __str__(self) -> str:
        return self.reference

    def access_scope(self) -> AccessScope:
        return AccessScope(user_id=self.buyer_id, org_id=self.seller_id)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=18, decimal_places=4)  # seller's currency
    seller_currency = models.CharField(max_length=3)
    hs_code = models.CharField(max_length=6)
    origin = models.CharField(max_length=2)
    title = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.quantity} × {self.title}"


class StockReservation(models.Model):
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="reservations")
    stock = models.ForeignKey(StockLevel, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    released = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.quantity} of stock {self.stock_id}"


class CbecUsage(models.Model):
    """CNY a buyer has used of China's annual cross-border e-commerce limit, per calendar year."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    used_cny = models.DecimalField(max_digits=18, decimal_places=4, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["buyer", "year"], name="one_cbec_usage_per_year")]

    def __str__(self) -> str:
        return f"{self.buyer_id} {self.year}: {self.used_cny} CNY"
