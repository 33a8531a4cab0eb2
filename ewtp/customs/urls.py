from django.urls import path

from ewtp.customs import views

app_name = "customs"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/<str:action>/", views.declaration_action, name="declaration-action"),
]
