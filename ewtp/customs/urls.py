from django.urls import path

from ewtp.customs import views, views_returns

app_name = "customs"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/<str:action>/", views.declaration_action, name="declaration-action"),
    path("returns/", views_returns.returns_list, name="returns"),
    path("returns/<int:pk>.<str:fmt>", views_returns.return_download, name="return-download"),
]
