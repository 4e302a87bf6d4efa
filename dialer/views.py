from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    campaigns = request.user.campaigns.filter(is_active=True).order_by("name", "id")
    return render(request, "dialer/overview.html", {"campaigns": campaigns})
