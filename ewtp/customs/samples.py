"""Consistent trade documents for one parcel, for tests, benchmarks and demos (the official samples
are schema-valid but not business-consistent)."""

from __future__ import annotations

from decimal import Decimal

from ewtp.customs.xml.documents import Inventory, InventoryLine, Order, OrderLine, Payment, Transfer, Waybill
from ewtp.customs.xml.produce import new_guid

TRANSFER = Transfer(cop_code="3301960001", cop_name="eWTP hub", dxp_id="DXPENT0000000001")


def parcel(n: int = 1, *, lines: int = 2) -> tuple[Order, Payment, Waybill, Inventory]:
    order_no, pay_id, logistics_no = f"EWTP{n:010d}", f"PAY{n:010d}", f"LN{n:010d}"
    olines = [OrderLine(gnum=i, item_name=f"商品{i}", gmodel="100ml", unit="007", qty=Decimal(2),
                        price=Decimal("50.5"), total_price=Decimal("101"), country="116") for i in range(1, lines + 1)]
    goods = sum((li.total_price for li in olines), Decimal(0))
    freight, tax, discount = Decimal("20"), Decimal("12.34"), Decimal("5")
    paid = goods + freight + tax - discount
    consignee = ("张三", "13800000000", "浙江省杭州市余杭区文一西路969号")
    order = Order(guid=new_guid(), app_time="20260301120000", order_no=order_no, ebp_code="3301960001",
                  ebp_name="eWTP hub", ebc_code="3301960002", ebc_name="Seller Co", goods_value=goods,
                  freight=freight, discount=discount, tax_total=tax, actural_paid=paid, buyer_reg_no=f"B{n}",
                  buyer_name="张三", buyer_telephone="13800000000", buyer_id_number="330106199001011234",
                  consignee=consignee[0], consignee_telephone=consignee[1], consignee_address=consignee[2],
                  pay_code="3301960003", pay_name="Pay Co", pay_transaction_id=pay_id, lines=olines)
    payment = Payment(guid=new_guid(), app_time="20260301120100", pay_code="3301960003", pay_name="Pay Co",
                      pay_transaction_id=pay_id, order_no=order_no, ebp_code="3301960001", ebp_name="eWTP hub",
                      payer_id_number="330106199001011234", payer_name="张三", amount_paid=paid,
                      pay_time="20260301120055")
    waybill = Waybill(guid=new_guid(), app_time="20260301130000", logistics_code="3301960004",
                      logistics_name="Fast Logistics", logistics_no=logistics_no, order_no=order_no,
                      weight=Decimal("1.2"), consignee=consignee[0], consignee_telephone=consignee[1],
                      consignee_address=consignee[2], freight=freight, insured_fee=Decimal(0))
    ilines = [InventoryLine(gnum=li.gnum, gcode="3304990099", gname=li.item_name, gmodel=li.gmodel, country="116",
                            qty=li.qty, unit="007", qty1=Decimal("0.2"), unit1="035", price=li.price,
                            total_price=li.total_price) for li in olines]
    inventory = Inventory(guid=new_guid(), app_time="20260301140000", order_no=order_no, ebp_code="3301960001",
                          ebp_name="eWTP hub", ebc_code="3301960002", ebc_name="Seller Co", logistics_no=logistics_no,
                          logistics_code="3301960004", logistics_name="Fast Logistics", assure_code="3301960002",
                          decl_time="20260301", customs_code="2991", port_code="2991",
                          buyer_id_number="330106199001011234", buyer_name="张三", buyer_telephone="13800000000",
                          consignee_address=consignee[2], agent_code="3301960001", agent_name="eWTP hub",
                          traf_mode="5", country="116", freight=freight, insured_fee=Decimal(0),
                          gross_weight=Decimal("1.2"), net_weight=Decimal("1"), lines=ilines, cop_no=f"C{n}",
                          traf_no="CA123", voyage_no="V1", bill_no="B1")
    return order, payment, waybill, inventory
