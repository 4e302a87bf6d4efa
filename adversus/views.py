from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is."""
    if request.user.is_manager:
        return redirect("campaigns:campaign-list")
    return redirect("dialer:overview")
