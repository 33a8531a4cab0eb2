"""`jsondocs.from_json_stored` gives `from_json`'s document and exactly `to_json` of it (the same
keys in the same order, the same values and types: the stored column and the digest are made from
it), and `from_json`'s document is its own stored form (amounts as written: a JSON push's typed
document needs no round trip)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ewtp.core.errors import ValidationFailed
from ewtp.customs.jsondocs import from_json, from_json_stored, stored_form, to_json
from ewtp.customs.samples import parcel

KINDS = ("order", "payment", "waybill", "inventory")


def _given(n: int) -> list[tuple[str, dict]]:
    """Sample documents as a pusher sends them: amounts written every way the checks let through
    (trailing zeros, integers, a JSON int), optional fields missing or null."""
    out = []
    for kind, doc in zip(KINDS, parcel(n, lines=n), strict=True):
        data = {k: v for k, v in to_json(doc).items() if v is not None}
        for key, value in list(data.items()):
            if key != "lines" and isinstance(value, str) and value.replace(".", "").isdigit() and "." in value:
                data[key] = value + "000"  # 12.5 -> 12.5000
        if kind == "waybill":
            data["freight"], data["insuredFee"], data["note"] = 20, "0.00", None
        if "lines" in data:
            data["lines"] = [{**li, "price": li["price"] + "0" if "." in li["price"] else li["price"] + ".00"}
                             for li in data["lines"]]
        out.append((kind, data))
    return out


@pytest.mark.parametrize("n", [1, 2, 5])
def test_the_document_and_its_fields_are_from_json_and_to_json(n):
    for kind, data in _given(n):
        doc, fields = from_json_stored(kind, data)
        assert repr(doc) == repr(from_json(kind, data))
        expected = to_json(doc)
        assert list(fields) == list(expected) and fields == expected
        assert json.dumps(fields) == json.dumps(expected)  # the column's text, types included
        assert json.dumps(fields, sort_keys=True) == json.dumps(to_json(from_json(kind, data)), sort_keys=True)


@pytest.mark.parametrize("n", [1, 3])
def test_from_json_gives_the_stored_form(n):
    for kind, data in _given(n):
        doc = from_json(kind, data)
        assert repr(stored_form(kind, doc)) == repr(doc) == repr(from_json(kind, to_json(doc)))


def test_amounts_are_checked_as_sent_and_kept_as_written():
    kind, data = _given(1)[0]
    doc, fields = from_json_stored(kind, {**data, "freight": "20.50000", "discount": "0.00", "taxTotal": "1E+1"})
    assert (str(doc.freight), str(doc.discount), str(doc.tax_total)) == ("20.5", "0", "10")
    assert (fields["freight"], fields["discount"], fields["taxTotal"]) == ("20.5", "0", "10")
    assert doc.freight == Decimal("20.5")
    for bad in ("20.500001", "-1", 1.5, "NaN"):  # refused as before: six decimals, negative, a float, not finite
        with pytest.raises(ValidationFailed) as stored_err:
            from_json_stored(kind, {**data, "freight": bad})
        with pytest.raises(ValidationFailed) as plain_err:
            from_json(kind, {**data, "freight": bad})
        assert stored_err.value.fields == plain_err.value.fields
