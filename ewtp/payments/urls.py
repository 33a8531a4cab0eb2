from django.urls import path

from ewtp.payments import views

app_name = "payments"
urlpatterns = [
    path("pay/<str:order_ref>/", views.pay, name="pay"),
    path("receipt/<str:order_ref>/", views.receipt, name="receipt"),
    path("seller/", views.seller_balances, name="seller-balances"),
    path("seller/statement.csv", views.seller_statement, name="seller-statement"),
    path("operator/ledger/", views.operator_ledger, name="operator-ledger"),
    path("operator/ledger/verify/", views.operator_verify, name="operator-verify"),
    path("operator/ledger/tx/<int:tx_id>/", views.operator_transaction, name="operator-transaction"),
    path("operator/ledger/account/<int:account_id>/", views.operator_account, name="operator-account"),
    path("operator/reconciliation/", views.operator_reconciliation, name="operator-reconciliation"),
    path("operator/refunds/", views.operator_refunds, name="operator-refunds"),
]
