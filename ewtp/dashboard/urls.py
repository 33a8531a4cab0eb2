from django.urls import path

from ewtp.dashboard import views

app_name = "dashboard"
urlpatterns = [path("", views.dashboard, name="dashboard")]
