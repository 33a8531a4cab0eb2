"""Reference data: countries, currencies, the HS 2022 nomenclature."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language


class Country(models.Model):
    alpha2 = models.CharField(max_length=2, primary_key=True)
    alpha3 = models.CharField(max_length=3, unique=True)
    numeric = models.CharField(max_length=3)
    name_en = models.CharField(max_length=100)
    name_zh_hans = models.CharField(max_length=100)
    name_ms = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name_plural = "countries"

    def __str__(self) -> str:
        return f"{self.alpha2} {self.name}"

    @property
    def name(self) -> str:
        lang = (get_language() or "en").replace("-", "_")
        return getattr(self, f"name_{lang}", "") or self.name_en


class Currency(models.Model):
    code = models.CharField(max_length=3, primary_key=True)
    numeric = models.CharField(max_length=3)
    minor_unit = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "currencies"

    def __str__(self) -> str:
        return self.code


class HSSection(models.Model):
    roman = models.CharField(max_length=5, primary_key=True)
    position = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=300)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Section {self.roman}"


class HSCode(models.Model):
    """A chapter (2 digits), heading (4) or subheading (6) of HS 2022."""

    code = models.CharField(max_length=6, primary_key=True)
    level = models.PositiveSmallIntegerField()  # 2, 4 or 6 digits
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    section = models.ForeignKey(HSSection, on_delete=models.PROTECT, related_name="codes")
    description = models.TextField()
    # lower-cased description for word search on both databases
    search_text = models.TextField(editable=False)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]
        verbose_name = "HS code"

    def __str__(self) -> str:
        return f"{self.code} {self.description[:60]}"
