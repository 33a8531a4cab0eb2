"""Products, their variants (SKUs), images and stock per warehouse."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import get_language

from ewtp.accounts.models import Organisation
from ewtp.core.money import Money
from ewtp.core.permissions import AccessScope

LANGS = ("en", "zh_hans", "ms")


class Warehouse(models.Model):
    """The seller's own warehouse, or a bonded warehouse at a destination hub (hub_code set)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="warehouses")
    name = models.CharField(max_length=120)
    country = models.CharField(max_length=2)
    bonded_hub = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return self.name

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.organisation_id)


class Product(models.Model):
    DRAFT, PUBLISHED, ARCHIVED = "draft", "published", "archived"
    STATUSES = [(DRAFT, "Draft"), (PUBLISHED, "Published"), (ARCHIVED, "Archived")]

    seller = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="products")
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT)
    hs_code = models.CharField(max_length=6)
    hs_chapter = models.CharField(max_length=2, db_index=True)
    origin = models.CharField(max_length=2)
    seller_country = models.CharField(max_length=2)
    title_en = models.CharField(max_length=200, blank=True)
    title_zh_hans = models.CharField(max_length=200, blank=True)
    title_ms = models.CharField(max_length=200, blank=True)
    description_en = models.TextField(max_length=5000, blank=True)
    description_zh_hans = models.TextField(max_length=5000, blank=True)
    description_ms = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "hs_chapter"]), models.Index(fields=["status", "origin"])]

    def __str__(self) -> str:
        return self.title()

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_id)

    def _localised(self, field: str, lang: str | None) -> str:
        """The text in the asked language, else English, else whichever language has one."""
        lang = (lang or get_language() or "en").replace("-", "_").lower()
        order = [lang] + [x for x in LANGS if x != lang]
        return next((getattr(self, f"{field}_{x}") for x in order if x in LANGS and getattr(self, f"{field}_{x}")), "")

    def title(self, lang: str | None = None) -> str:
        return self._localised("title", lang)

    def description(self, lang: str | None = None) -> str:
        return self._localised("description", lang)


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    seller = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=100, blank=True)  # e.g. "M / indigo"
    price_amount = models.DecimalField(max_digits=18, decimal_places=4)
    currency = models.CharField(max_length=3)
    weight_kg = models.DecimalField(max_digits=10, decimal_places=3)
    length_cm = models.DecimalField(max_digits=8, decimal_places=1, default=Decimal(0))
    width_cm = models.DecimalField(max_digits=8, decimal_places=1, default=Decimal(0))
    height_cm = models.DecimalField(max_digits=8, decimal_places=1, default=Decimal(0))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seller", "sku"], name="sku_unique_per_seller")]
        indexes = [models.Index(fields=["currency", "price_amount"])]

    def __str__(self) -> str:
        return self.sku

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    def access_scope(self) -> AccessScope:
        return AccessScope(org_id=self.seller_id)


class StockLevel(models.Model):
    """On hand and reserved per variant and warehouse; available = on_hand - reserved, never negative."""

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="stock")
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "warehouse"], name="one_stock_row"),
            models.CheckConstraint(condition=models.Q(reserved__lte=models.F("on_hand")), name="reserved_within_on_hand"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.warehouse_id}: {self.on_hand - self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="products/%Y/%m/")
    thumbnail = models.ImageField(upload_to="products/%Y/%m/thumbs/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.image.name
