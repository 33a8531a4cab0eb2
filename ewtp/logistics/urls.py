from django.urls import path

from ewtp.logistics import views_network, views_ops, views_tracking

app_name = "logistics"
urlpatterns: list = [
    path("shipments/", views_ops.my_shipments, name="my-shipments"),
    path("shipments/<str:tracking_no>/returns-claims/", views_ops.aftercare, name="aftercare"),
    path("seller/returns/", views_ops.seller_returns, name="seller-returns"),
    path("returns/<int:return_id>/decide/", views_ops.return_decide, name="return-decide"),
    path("returns/<int:return_id>/receipt/", views_ops.return_receipt, name="return-receipt"),
    path("operator/claims/", views_ops.operator_claims, name="operator-claims"),
    path("track/", views_tracking.find, name="track-find"),
    path("track/<str:tracking_no>/", views_tracking.track, name="track"),
    path("network/", views_network.network_page, name="network"),
]
