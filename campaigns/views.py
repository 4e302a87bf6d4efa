from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from adversus.access import manager_required
from campaigns.models import Campaign


@require_GET
@manager_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = Campaign.objects.order_by("name", "id")
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns})
