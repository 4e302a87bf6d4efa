"""The phoner's dialer overview: pick a campaign, take the next lead, save.

Every HTMX request swaps the work area (`dialer/_work.html`) and refreshes
the side panel out of band; without JavaScript the same views answer with
full pages and redirects.
"""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from adversus.clock import client_time_zone
from adversus.models import User
from campaigns.models import (
    CALLBACK_STATUSES,
    OWNED_CALLBACK_STATUSES,
    RESULT_STATUSES,
    Campaign,
    Lead,
    Status,
)
from dialer import services
from dialer.forms import ResultForm

STATUS_BUTTONS = [
    {
        "value": status.value,
        "label": status.label,
        "key": key,
        "needs_time": status in CALLBACK_STATUSES,
    }
    for key, status in enumerate(RESULT_STATUSES, start=1)
]


def _dialable_campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    campaign = get_object_or_404(Campaign, pk=campaign_id)
    if not campaign.is_active:
        raise PermissionDenied("This campaign is paused; pick another one.")
    if not services.may_dial(request.user, campaign):
        raise PermissionDenied("You are not assigned to this campaign.")
    return campaign


def _visible_lead(request: HttpRequest, lead_id: int) -> Lead:
    lead = get_object_or_404(
        Lead.objects.select_related("contact", "campaign"), pk=lead_id
    )
    if not services.may_see_lead(request.user, lead):
        raise PermissionDenied("This lead is not in one of your campaigns.")
    return lead


def _side_panel(user: User) -> dict:
    return {
        "callbacks": Lead.objects.filter(owner=user, status__in=OWNED_CALLBACK_STATUSES)
        .select_related("contact", "campaign")
        .order_by("next_contact_at", "id")[:50],
        "held_leads": Lead.objects.filter(held_by=user, status=Status.UNSOLVED)
        .select_related("contact", "campaign")
        .order_by("held_since", "id"),
    }


def _card(lead: Lead, form: ResultForm, zone: ZoneInfo, reopened: bool = False) -> dict:
    return {
        "lead": lead,
        "form": form,
        "reason": services.serve_reason(lead, zone, reopened),
        "events": lead.events.select_related("actor")[:50],
        "status_buttons": STATUS_BUTTONS,
    }


def _render_work(
    request: HttpRequest, context: dict, status: int = 200
) -> HttpResponse:
    zone = context.setdefault("zone", client_time_zone())
    context.update(_side_panel(request.user))
    context.setdefault("zone_name", zone.key)
    if request.htmx:
        # htmx swaps only 2xx answers; the form errors must still show.
        return render(request, "dialer/_work.html", context)
    context["campaigns"] = services.dialable_campaigns(request.user)
    return render(request, "dialer/overview.html", context, status=status)


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    campaign = None
    campaign_id = request.GET.get("campaign", "")
    if campaign_id.isdigit():
        campaign = _dialable_campaign(request, int(campaign_id))
    elif campaign_id:
        messages.error(request, "Pick a campaign from the list.")
    return _render_work(request, {"campaign": campaign})


@require_POST
def lead_next(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _dialable_campaign(request, campaign_id)

    try:
        lead = services.take_next_lead(request.user, campaign)
    except services.LeadStillOpen as error:
        return _show_open_lead(request, error.lead, str(error))

    if lead is None:
        notice = "No lead is due in this campaign right now. Try again shortly."
        if not request.htmx:
            messages.info(request, notice)
            return redirect(f"{reverse('dialer:overview')}?campaign={campaign.pk}")
        return _render_work(request, {"campaign": campaign, "notice": notice})
    if not request.htmx:
        # The lead page otherwise shows a lead the phoner comes back to.
        url = reverse("dialer:lead-open", args=[lead.pk])
        return redirect(f"{url}?served=1")
    zone = client_time_zone()
    form = ResultForm(campaign=campaign, zone=zone)
    return _render_work(
        request, {"campaign": campaign, "zone": zone, **_card(lead, form, zone)}
    )


def _show_open_lead(request: HttpRequest, lead: Lead, notice: str) -> HttpResponse:
    """Answer a request for another lead with the lead still to finish."""
    if not request.htmx:
        messages.warning(request, notice)
        return redirect("dialer:lead-open", lead_id=lead.pk)

    zone = client_time_zone()
    form = ResultForm(campaign=lead.campaign, zone=zone)
    context = {"campaign": lead.campaign, "zone": zone, "notice": notice}
    return _render_work(request, {**context, **_card(lead, form, zone, reopened=True)})


@require_GET
def lead_open(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    zone = client_time_zone()

    try:
        services.held_lead(request.user, lead.pk)
    except services.LeadReleased as error:
        context = {"campaign": lead.campaign, "notice": str(error)}
        return _render_work(request, context)

    reopened = request.GET.get("served") != "1"
    form = ResultForm(campaign=lead.campaign, zone=zone)
    card = _card(lead, form, zone, reopened)
    return _render_work(request, {"campaign": lead.campaign, "zone": zone, **card})


@require_POST
def lead_save(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = _visible_lead(request, lead_id)
    zone = client_time_zone()
    form = ResultForm(request.POST, campaign=lead.campaign, zone=zone)
    context = {"campaign": lead.campaign, "zone": zone}
    # A form sent back with errors keeps the label the card had.
    reopened = request.POST.get("reopened") == "1"

    if not form.is_valid():
        context.update(_card(lead, form, zone, reopened))
        return _render_work(request, context, status=422)
    try:
        saved = services.save_result(lead, request.user, **form.cleaned_data)
    except services.LeadReleased as error:
        context.update(_card(lead, form, zone))
        context["released"] = str(error)
        return _render_work(request, context, status=409)
    except services.InvalidResult as error:
        form.add_error(None, str(error))
        context.update(_card(lead, form, zone, reopened))
        return _render_work(request, context, status=422)

    notice = f"Saved {saved.contact}: {saved.get_status_display()}."
    if not request.htmx:
        messages.success(request, notice)
        return redirect(f"{reverse('dialer:overview')}?campaign={lead.campaign_id}")
    return _render_work(request, {**context, "saved_notice": notice})
