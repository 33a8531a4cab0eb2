from django.urls import path

from ewtp.market import views

app_name = "market"
urlpatterns = [
    path("", views.catalogue_page, name="catalogue"),
    path("products/<int:product_id>/", views.product_page, name="product"),
    path("seller/", views.seller_console, name="seller-console"),
    path("seller/products/<int:product_id>/publish/", views.seller_publish, name="seller-publish"),
    path("operator/sellers/", views.operator_sellers, name="operator-sellers"),
]
