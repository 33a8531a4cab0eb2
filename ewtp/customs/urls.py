from django.urls import path

from ewtp.customs import views, views_declarations, views_returns

app_name = "customs"
urlpatterns = [
    path("queue/", views.queue, name="queue"),
    path("declarations/", views_declarations.declaration_list, name="declarations"),
    path("declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path("declarations/<int:pk>/<str:action>/", views.declaration_action, name="declaration-action"),
    path("returns/", views_returns.returns_list, name="returns"),
    path("returns/<int:pk>.<str:fmt>", views_returns.return_download, name="return-download"),
]
