from django.contrib.auth import views as auth_views
from django.urls import path

from ewtp.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="accounts/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/buyer/", views.signup_buyer, name="signup-buyer"),
    path("signup/seller/", views.signup_seller, name="signup-seller"),
    path("operator/organisations/", views.operator_organisations, name="operator-organisations"),
    path("operator/tokens/", views.operator_tokens, name="operator-tokens"),
    path("operator/tokens/<int:token_id>/revoke/", views.operator_revoke_token, name="operator-revoke-token"),
]
