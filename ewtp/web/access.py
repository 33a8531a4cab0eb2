"""Page-level access: sign-in and role checks for views, 403 otherwise."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from ewtp.accounts.services import actor_for_user
from ewtp.core.actor import Actor


def role_required(*roles: str) -> Callable:
    """Signed-in users with one of `roles` (hub operators always) get in; others get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            actor = actor_for_user(request.user)
            if roles and actor.role not in roles and not actor.is_operator:
                raise PermissionDenied
            request.actor = actor  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def page_actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined]
