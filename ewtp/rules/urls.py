from django.urls import path

from ewtp.rules import rule_views, views

app_name = "rules"
urlpatterns = [
    path("hs/", views.hs_browser, name="hs-browser"),
    path("hs/<str:code>/", views.hs_detail, name="hs-detail"),
    path("jurisdictions/", rule_views.jurisdictions, name="jurisdictions"),
    path("jurisdictions/<str:code>/", rule_views.jurisdiction, name="jurisdiction"),
    path("jurisdictions/<str:code>/tariff/", rule_views.tariff, name="tariff"),
    path("calculator/", rule_views.calculator, name="calculator"),
]
