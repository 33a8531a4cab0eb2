"""Django admin is the hub operator's back office: only hub operators may enter."""

from __future__ import annotations

from django.contrib.admin import AdminSite

from ewtp.core.actor import Role


def restrict_admin_to_operators(site: AdminSite) -> None:
    def has_permission(request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_authenticated and user.role == Role.HUB_OPERATOR and user.is_staff)

    site.has_permission = has_permission  # type: ignore[method-assign]
    site.site_header = "eWTP hub — back office"
    site.site_title = "eWTP back office"
