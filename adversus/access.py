"""Role checks shared by every view.

Each view names its role in one decorator; LoginRequiredMiddleware already
sends anonymous users to the login page.
"""

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def manager_required(view: View) -> View:
    """Only managers and admins."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_manager:
            raise PermissionDenied("Only managers may do this.")
        return view(request, *args, **kwargs)

    return wrapper
