"""Typed CEB documents. Field order is the XSD's element order; a field's XML name is its
camelCase form (`actural_paid` -> `acturalPaid`, GACC's own spelling). Fields defaulting to None
are optional in the schema; amounts are Decimal in CNY as written (GACC currency 142)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import get_type_hints

APP_NEW, APP_CHANGE, APP_DELETE = "1", "2", "3"
STATUS_DECLARED = "2"


@dataclass
class OrderLine:
    gnum: int
    item_name: str
    gmodel: str
    unit: str
    qty: Decimal
    price: Decimal
    total_price: Decimal
    country: str
    currency: str = "142"
    item_no: str | None = None
    item_describe: str | None = None
    bar_code: str | None = None
    note: str | None = None

    XML_ORDER = ("gnum", "item_no", "item_name", "gmodel", "item_describe", "bar_code", "unit", "qty", "price",
                 "total_price", "currency", "country", "note")


@dataclass
class Order:
    guid: str
    app_time: str
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    goods_value: Decimal
    freight: Decimal
    discount: Decimal
    tax_total: Decimal
    actural_paid: Decimal
    buyer_reg_no: str
    buyer_name: str
    buyer_telephone: str
    buyer_id_number: str
    consignee: str
    consignee_telephone: str
    consignee_address: str
    lines: list[OrderLine] = field(default_factory=list)
    app_type: str = APP_NEW
    app_status: str = STATUS_DECLARED
    order_type: str = "I"
    currency: str = "142"
    buyer_id_type: str = "1"
    pay_code: str | None = None
    pay_name: str | None = None
    pay_transaction_id: str | None = None
    batch_numbers: str | None = None
    consignee_district: str | None = None
    note: str | None = None

    XML_ORDER = ("guid", "app_type", "app_time", "app_status", "order_type", "order_no", "ebp_code", "ebp_name",
                 "ebc_code", "ebc_name", "goods_value", "freight", "discount", "tax_total", "actural_paid",
                 "currency", "buyer_reg_no", "buyer_name", "buyer_telephone", "buyer_id_type", "buyer_id_number",
                 "pay_code", "pay_name", "pay_transaction_id", "batch_numbers", "consignee", "consignee_telephone",
                 "consignee_address", "consignee_district", "note")
    KIND = "order"


@dataclass
class Payment:
    guid: str
    app_time: str
    pay_code: str
    pay_name: str
    pay_transaction_id: str
    order_no: str
    ebp_code: str
    ebp_name: str
    payer_id_number: str
    payer_name: str
    amount_paid: Decimal
    pay_time: str
    app_type: str = APP_NEW
    app_status: str = STATUS_DECLARED
    payer_id_type: str = "1"
    telephone: str | None = None
    currency: str = "142"
    note: str | None = None

    XML_ORDER = ("guid", "app_type", "app_time", "app_status", "pay_code", "pay_name", "pay_transaction_id",
                 "order_no", "ebp_code", "ebp_name", "payer_id_type", "payer_id_number", "payer_name", "telephone",
                 "amount_paid", "currency", "pay_time", "note")
    KIND = "payment"


@dataclass
class Waybill:
    guid: str
    app_time: str
    logistics_code: str
    logistics_name: str
    logistics_no: str
    order_no: str
    weight: Decimal
    consignee: str
    consignee_address: str
    consignee_telephone: str
    app_type: str = APP_NEW
    app_status: str = STATUS_DECLARED
    bill_no: str | None = None
    freight: Decimal | None = None
    insured_fee: Decimal | None = None
    currency: str = "142"
    pack_no: int = 1
    goods_info: str | None = None
    note: str | None = None

    XML_ORDER = ("guid", "app_type", "app_time", "app_status", "logistics_code", "logistics_name", "logistics_no",
                 "bill_no", "order_no", "freight", "insured_fee", "currency", "weight", "pack_no", "goods_info",
                 "consignee", "consignee_address", "consignee_telephone", "note")
    KIND = "waybill"


@dataclass
class InventoryLine:
    gnum: int
    gcode: str
    gname: str
    gmodel: str
    country: str
    qty: Decimal
    unit: str
    qty1: Decimal
    unit1: str
    price: Decimal
    total_price: Decimal
    currency: str = "142"
    item_record_no: str | None = None
    item_no: str | None = None
    item_name: str | None = None
    bar_code: str | None = None
    trade_country: str | None = None
    qty2: Decimal | None = None
    unit2: str | None = None
    note: str | None = None

    XML_ORDER = ("gnum", "item_record_no", "item_no", "item_name", "gcode", "gname", "gmodel", "bar_code",
                 "country", "trade_country", "currency", "qty", "unit", "qty1", "unit1", "qty2", "unit2", "price",
                 "total_price", "note")


@dataclass
class Inventory:
    guid: str
    app_time: str
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    logistics_no: str
    logistics_code: str
    logistics_name: str
    assure_code: str
    decl_time: str
    customs_code: str
    port_code: str
    buyer_id_number: str
    buyer_name: str
    buyer_telephone: str
    consignee_address: str
    agent_code: str
    agent_name: str
    traf_mode: str
    country: str
    freight: Decimal
    insured_fee: Decimal
    gross_weight: Decimal
    net_weight: Decimal
    lines: list[InventoryLine] = field(default_factory=list)
    app_type: str = APP_NEW
    app_status: str = STATUS_DECLARED
    cop_no: str | None = None
    pre_no: str | None = None
    ems_no: str | None = None
    invt_no: str | None = None
    ie_flag: str = "I"
    ie_date: str | None = None
    buyer_id_type: str = "1"
    area_code: str | None = None
    area_name: str | None = None
    trade_mode: str = "9610"
    traf_no: str | None = None
    voyage_no: str | None = None
    bill_no: str | None = None
    loct_no: str | None = None
    license_no: str | None = None
    currency: str = "142"
    wrap_type: str | None = None
    pack_no: int = 1
    note: str | None = None

    XML_ORDER = ("guid", "app_type", "app_time", "app_status", "order_no", "ebp_code", "ebp_name", "ebc_code",
                 "ebc_name", "logistics_no", "logistics_code", "logistics_name", "cop_no", "pre_no", "assure_code",
                 "ems_no", "invt_no", "ie_flag", "decl_time", "customs_code", "port_code", "ie_date", "buyer_id_type",
                 "buyer_id_number", "buyer_name", "buyer_telephone", "consignee_address", "agent_code", "agent_name",
                 "area_code", "area_name", "trade_mode", "traf_mode", "traf_no", "voyage_no", "bill_no", "loct_no",
                 "license_no", "country", "freight", "insured_fee", "currency", "wrap_type", "pack_no",
                 "gross_weight", "net_weight", "note")
    KIND = "inventory"


@dataclass
class Transfer:
    """BaseTransfer: who transmits the message."""

    cop_code: str
    cop_name: str
    dxp_id: str
    dxp_mode: str = "DXP"
    note: str | None = None

    XML_ORDER = ("cop_code", "cop_name", "dxp_mode", "dxp_id", "note")


Document = Order | Payment | Waybill | Inventory


@dataclass
class Message:
    """One CEB message: up to 100 documents of one kind, the transfer block, signed or not."""

    kind: str  # CEB311 | CEB411 | CEB511 | CEB621
    guid: str
    documents: list
    transfer: Transfer
    version: str = "1.0"
    signed: bool = False


MESSAGE_OF = {"order": "CEB311", "payment": "CEB411", "waybill": "CEB511", "inventory": "CEB621"}
KIND_OF = {v: k for k, v in MESSAGE_OF.items()}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@cache
def spec(cls: type) -> tuple[tuple[str, str, type], ...]:
    """(attribute, XML element name, scalar type) in XSD order for a document class."""
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    out = []
    for attr in cls.XML_ORDER:
        if attr not in names:
            raise TypeError(f"{cls.__name__}.XML_ORDER names unknown field {attr}")
        t = hints[attr]
        scalar = Decimal if "Decimal" in str(t) else int if t is int else str
        out.append((attr, camel(attr), scalar))
    return tuple(out)
