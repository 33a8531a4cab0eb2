from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from ninja.openapi.views import openapi_view

from ewtp.api import api
from ewtp.core.errors import NotFound
from ewtp.core.http import error_response
from ewtp.web.admin_site import restrict_admin_to_operators

restrict_admin_to_operators(admin.site)


def _api_not_found(request, rest=""):
    return error_response(NotFound(f"no API endpoint at {request.path}"))


urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", lambda request: openapi_view(request, api), name="api-docs"),
    re_path(r"^api/(?P<rest>.*)$", _api_not_found),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("ewtp.accounts.urls")),
    path("reference/", include("ewtp.rules.urls")),
    path("market/", include("ewtp.market.urls")),
    path("payments/", include("ewtp.payments.urls")),
    path("customs/", include("ewtp.customs.urls")),
    path("logistics/", include("ewtp.logistics.urls")),
    path("dashboard/", include("ewtp.dashboard.urls")),
    path("", include("ewtp.web.urls")),
]

handler403 = "ewtp.web.views.forbidden"
handler404 = "ewtp.web.views.not_found"
