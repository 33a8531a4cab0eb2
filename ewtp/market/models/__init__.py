from ewtp.market.models.catalogue import Product, ProductImage, StockLevel, Variant, Warehouse
from ewtp.market.models.orders import (
    Cart,
    CartLine,
    CbecUsage,
    CheckoutQuote,
    Order,
    OrderGroup,
    OrderLine,
    StockReservation,
)
from ewtp.market.models.search import ProductSearch
from ewtp.market.models.sellers import SellerDocument, SellerProfile, TaxRegistration

__all__ = ["Cart", "CartLine", "CbecUsage", "CheckoutQuote", "Order", "OrderGroup", "OrderLine", "StockReservation",
           "Product", "ProductImage", "ProductSearch", "SellerDocument", "SellerProfile", "StockLevel",
           "TaxRegistration", "Variant", "Warehouse"]
