"""The product search document: one row per published product. It is indexed by an FTS5 table
on SQLite and a GIN full-text index on PostgreSQL, both made by migration 0002, because
neither database can build the other's index."""

from __future__ import annotations

from django.db import models

from ewtp.market.models.catalogue import Product


class ProductSearch(models.Model):
    product = models.OneToOneField(Product, on_delete=models.CASCADE, primary_key=True, related_name="search")
    document = models.TextField()

    def __str__(self) -> str:
        return f"search:{self.product_id}"
