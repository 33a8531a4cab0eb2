from django.urls import path

from ewtp.market import views, views_account, views_buyer, views_orders, views_pay, views_stock

app_name = "market"
urlpatterns = [
    path("", views.catalogue_page, name="catalogue"),
    path("products/<int:product_id>/", views.product_page, name="product"),
    path("cart/", views_buyer.cart_page, name="cart"),
    path("cart/add/", views_buyer.add_to_cart, name="cart-add"),
    path("checkout/<int:quote_id>/", views_buyer.checkout_page, name="checkout"),
    path("orders/", views_orders.my_orders, name="my-orders"),
    path("orders/<int:group_id>/", views_buyer.order_group_page, name="order-group"),
    path("orders/pay/<int:order_id>/", views_buyer.pay_order, name="order-pay"),
    path("orders/<int:group_id>/pay/", views_pay.pay_group, name="group-pay"),
    path("orders/cancel/<int:order_id>/", views_buyer.cancel_order, name="order-cancel"),
    path("seller/", views.seller_console, name="seller-console"),
    path("seller/products/<int:product_id>/publish/", views.seller_publish, name="seller-publish"),
    path("seller/orders/<int:order_id>/accept/", views.seller_accept, name="seller-accept"),
    path("seller/stock/", views_stock.stock_page, name="seller-stock"),
    path("seller/account/", views_account.seller_account, name="seller-account"),
    path("seller/documents/<int:document_id>/", views_account.document_download, name="seller-document"),
    path("seller/stock/<int:variant_id>/<int:warehouse_id>/", views_stock.stock_edit, name="seller-stock-edit"),
    path("operator/sellers/", views.operator_sellers, name="operator-sellers"),
]
