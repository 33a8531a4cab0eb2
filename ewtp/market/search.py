"""Catalogue full-text search on both databases, Chinese included.

Chinese has no spaces between words, so text is indexed as words for alphabetic scripts and as
character unigrams + bigrams for CJK runs; a query's CJK run must match all its bigrams (or the
single character). The token stream is the same on SQLite (FTS5, unicode61) and PostgreSQL
(a GIN-indexed token array), so both find the same products.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUNS = re.compile(rf"[{CJK}]+|[^\W_]+", re.UNICODE)
_IS_CJK = re.compile(rf"[{CJK}]")


def _runs(text: str) -> list[str]:
    return _RUNS.findall(unicodedata.normalize("NFKC", text).lower())


def document_tokens(text: str) -> list[str]:
    out: list[str] = []
    for run in _runs(text):
        if _IS_CJK.match(run):
            out.extend(run)  # unigrams
            out.extend(run[i : i + 2] for i in range(len(run) - 1))  # bigrams
        else:
            out.append(run)
    return out


def query_tokens(text: str) -> list[str]:
    out: list[str] = []
    for run in _runs(text)[:20]:
        if _IS_CJK.match(run):
            out.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
        else:
            out.append(run)
    return list(dict.fromkeys(out))


def build_document(*texts: str) -> str:
    return " ".join(dict.fromkeys(t for text in texts for t in document_tokens(text)))


def index_product(product_id: int, document: str | None) -> None:
    """Keep the search row (and SQLite's FTS5 mirror) in step; None removes the product."""
    from ewtp.market.models import ProductSearch

    if document is None:
        ProductSearch.objects.filter(product_id=product_id).delete()
    else:
        ProductSearch.objects.update_or_create(product_id=product_id, defaults={"document": document})
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("DELETE FROM market_product_fts WHERE rowid = %s", [product_id])
            if document is not None:
                cur.execute("INSERT INTO market_product_fts (rowid, document) VALUES (%s, %s)", [product_id, document])


def matching_product_ids_sql(query: str) -> tuple[str, list] | None:
    """SQL selecting the ids of products whose document has every query token, or None for an empty query."""
    tokens = query_tokens(query)
    if not tokens:
        return None
    if connection.vendor == "sqlite":
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in tokens)
        return "SELECT rowid FROM market_product_fts WHERE market_product_fts MATCH %s", [match]
    # PostgreSQL: the document as a token array under a GIN index; containment needs no text-search
    # parser, whose idea of a CJK "word" depends on the server's locale.
    return "SELECT product_id FROM market_productsearch WHERE string_to_array(document, ' ') @> %s::text[]", [tokens]
