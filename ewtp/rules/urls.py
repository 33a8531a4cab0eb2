from django.urls import path

from ewtp.rules import views

app_name = "rules"
urlpatterns = [
    path("hs/", views.hs_browser, name="hs-browser"),
    path("hs/<str:code>/", views.hs_detail, name="hs-detail"),
]
