"""Full-text indexes that only one database can build: an FTS5 table on SQLite, a GIN index
over the token array on PostgreSQL (see ewtp/market/search.py)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("CREATE VIRTUAL TABLE market_product_fts USING fts5(document, tokenize='unicode61')")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX market_search_tokens_gin ON market_productsearch USING gin (string_to_array(document, ' '))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS market_product_fts")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS market_search_tokens_gin")


class Migration(migrations.Migration):
    dependencies = [("market", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
