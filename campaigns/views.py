"""The manager's campaign pages: list, settings, leads, statistics."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adversus.access import manager_required
from adversus.clock import client_time_zone
from campaigns import dedupe, services
from campaigns.filters import LeadFilter
from campaigns.forms import (
    AddPoolForm,
    CampaignForm,
    DuplicateCheckForm,
    LeadOwnerForm,
    LeadStatusForm,
    PeriodForm,
)
from campaigns.models import OPEN_STATUSES, Campaign, Lead, LeadRemoval, Status
from campaigns.statistics import (
    bars,
    campaign_statistics,
    client_today,
    phoner_results,
)
from campaigns.tables import LEAD_SORTS, LeadTable
from leads.exports import csv_response
from leads.filters import ContactFilter
from leads.models import LeadPool
from leads.tables import Sort, keyset_page, without_unknown_sort


def open_and_closed(campaigns: list[Campaign]) -> dict[int, tuple[int, int]]:
    """Open and closed leads per campaign, from the statistics index."""
    maxima = {c.pk: c.max_contact_attempts for c in campaigns}
    rows = (
        Lead.objects.filter(campaign__in=maxima)
        .order_by()
        .values_list("campaign", "status", "contact_attempts")
        .annotate(n=Count("*"))
    )
    counts = {pk: [0, 0] for pk in maxima}
    for campaign_id, status, attempts, n in rows:
        if status == Status.UNSOLVED:
            continue
        is_open = status in OPEN_STATUSES and attempts < maxima[campaign_id]
        counts[campaign_id][0 if is_open else 1] += n
    return {pk: (o, c) for pk, (o, c) in counts.items()}


@require_GET
@manager_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = list(Campaign.objects.order_by("name", "id"))
    counts = open_and_closed(campaigns)
    for campaign in campaigns:
        campaign.open_leads, campaign.closed_leads = counts[campaign.pk]
    return render(request, "campaigns/campaign_list.html", {"campaigns": campaigns})


@require_http_methods(["GET", "POST"])
@manager_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaign = form.save()
        messages.success(request, f"Campaign “{campaign}” created.")
        return redirect("campaigns:campaign-leads", pk=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@manager_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    form = CampaignForm(request.POST or None, instance=campaign)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Campaign settings saved.")
        return redirect("campaigns:campaign-leads", pk=campaign.pk)
    return render(
        request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign}
    )


def filtered_leads(request: HttpRequest, campaign: Campaign) -> LeadFilter:
    leads = Lead.objects.filter(campaign=campaign).select_related("contact", "owner")
    return LeadFilter(request.GET or None, queryset=leads)


@require_GET
@manager_required
def campaign_leads(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    lead_filter = filtered_leads(request, campaign)

    sort, sort_error = Sort.read(request.GET.get("sort"), LEAD_SORTS)
    page = keyset_page(
        lead_filter.qs, sort, without_unknown_sort(request.GET, sort_error)
    )
    page.error = " ".join(filter(None, [sort_error, page.error]))
    table = LeadTable(page, sort, LEAD_SORTS)

    if request.htmx:
        return render(request, "campaigns/_lead_table.html", {"table": table})
    context = {
        "campaign": campaign,
        "filter": lead_filter,
        "table": table,
        "phoners": campaign.phoners.order_by("username"),
        "export_query": request.GET.urlencode(),
    }
    return render(request, "campaigns/campaign_leads.html", context)


@require_GET
@manager_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    leads = filtered_leads(request, campaign).qs.order_by("id")

    header = [
        "Lead id", "Status", "Attempts", "Next contact", "Owner",
        "Phone", "E-mail", "Name", "Company", "City",
    ]  # fmt: skip
    rows = (
        [
            lead.pk,
            lead.get_status_display(),
            lead.contact_attempts,
            lead.next_contact_at.isoformat() if lead.next_contact_at else "",
            lead.owner or "",
            lead.contact.phone,
            lead.contact.email,
            lead.contact.display_name,
            lead.contact.company,
            lead.contact.city,
        ]
        for lead in leads.iterator(chunk_size=2000)
    )
    return csv_response(f"campaign-{campaign.pk}-leads.csv", header, rows)


@require_GET
@manager_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(
        Lead.objects.select_related("campaign", "contact", "owner", "held_by"), pk=pk
    )
    return render(request, "campaigns/lead_detail.html", lead_context(lead))


def lead_context(lead: Lead, **forms) -> dict:
    initial = {"status": lead.status if lead.status != Status.UNSOLVED else ""}
    return {
        "lead": lead,
        "events": lead.events.select_related("actor"),
        "status_form": forms.get("status_form") or LeadStatusForm(initial=initial),
        "owner_form": forms.get("owner_form")
        or LeadOwnerForm(initial={"owner": lead.owner_id}, campaign=lead.campaign),
        "is_held": lead.status == Status.UNSOLVED,
        # Times are typed in the client's zone, so they are shown in it too.
        "zone": client_time_zone(),
    }


def _lead_action_failed(
    request: HttpRequest, lead: Lead, error: Exception, **forms
) -> HttpResponse:
    messages.error(request, str(error))
    context = lead_context(lead, **forms)
    return render(request, "campaigns/lead_detail.html", context, status=400)


@require_POST
@manager_required
def lead_status(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = LeadStatusForm(request.POST)
    if not form.is_valid():
        return _lead_action_failed(
            request, lead, ValueError("Check the status form."), status_form=form
        )

    try:
        services.set_lead_status(
            lead,
            form.cleaned_data["status"],
            request.user,
            note=form.cleaned_data["note"],
            next_contact_at=form.cleaned_data["next_contact_at"],
        )
    except services.LeadActionError as error:
        return _lead_action_failed(request, lead, error, status_form=form)

    messages.success(request, "Status changed.")
    return redirect("campaigns:lead-detail", pk=lead.pk)


@require_POST
@manager_required
def lead_owner(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)
    form = LeadOwnerForm(request.POST, campaign=lead.campaign)
    if not form.is_valid():
        return _lead_action_failed(
            request, lead, ValueError("Choose a phoner."), owner_form=form
        )

    try:
        services.reassign_lead_owner(
            lead, form.cleaned_data["owner"], request.user, form.cleaned_data["note"]
        )
    except services.LeadActionError as error:
        return _lead_action_failed(request, lead, error, owner_form=form)

    messages.success(request, "Owner changed.")
    return redirect("campaigns:lead-detail", pk=lead.pk)


@require_POST
@manager_required
def lead_release(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(Lead, pk=pk)

    try:
        services.release_held_lead(lead, request.user)
    except services.LeadActionError as error:
        return _lead_action_failed(request, lead, error)

    messages.success(request, "Lead released.")
    return redirect("campaigns:lead-detail", pk=lead.pk)


@require_GET
@manager_required
def campaign_statistics_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    today = client_today()
    form = PeriodForm(request.GET or None)
    start, end = today - timedelta(days=6), today
    if form.is_valid():
        start = form.cleaned_data["start"] or start
        end = form.cleaned_data["end"] or end

    period_results = phoner_results(campaign, start, end)
    context = {
        "campaign": campaign,
        "period_results": period_results,
        "period_bars": bars([(r.phoner, r.total) for r in period_results]),
        "period_form": form,
        "period_error": form.problem(),
        "start": start,
        "end": end,
    }
    if request.htmx:
        return render(request, "campaigns/_phoner_results.html", context)

    today_results = phoner_results(campaign, today, today)
    context["stats"] = campaign_statistics(campaign)
    context["today_results"] = today_results
    context["today_bars"] = bars([(r.phoner, r.total) for r in today_results])
    return render(request, "campaigns/campaign_statistics.html", context)


def _pool_contacts(pool: LeadPool, data) -> QuerySet:
    return ContactFilter(data, queryset=pool.contacts.all()).qs


@require_http_methods(["GET", "POST"])
@manager_required
def pool_add_to_campaign(request: HttpRequest, pool_pk: int) -> HttpResponse:
    """Add a pool's contacts, all or those its page's filter shows, as leads.

    The filter travels as `query` (the pool page's query string), so what is
    added is exactly what the manager saw listed.
    """
    pool = get_object_or_404(LeadPool, pk=pool_pk)
    query = request.POST.get("query", request.GET.urlencode())
    contacts = _pool_contacts(pool, QueryDict(query))
    form = AddPoolForm(request.POST or None)
    context = {"pool": pool, "form": form, "query": query, "contacts": contacts}
    if request.method == "GET" or not form.is_valid():
        context["contact_count"] = contacts.count()
        context["filtered"] = bool(QueryDict(query))
        return render(request, "campaigns/pool_add.html", context)
    if not pool.is_active:
        messages.error(request, "This pool is deactivated; activate it first.")
        return redirect("campaigns:pool-add-to-campaign", pool_pk=pool.pk)
    campaign = form.cleaned_data["campaign"]

    result = services.add_contacts_to_campaign(campaign, contacts)

    messages.success(
        request,
        f"{result.added} lead{'s' if result.added != 1 else ''} added to "
        f"“{campaign}”; {result.already_there} already there.",
    )
    return redirect("campaigns:campaign-leads", pk=campaign.pk)


@require_http_methods(["GET", "POST"])
@manager_required
def duplicate_check(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET or None
    form = DuplicateCheckForm(data)
    removals = LeadRemoval.objects.select_related("removed_by")[:10]
    if not form.is_valid():
        context = {"form": form, "removals": removals}
        return render(request, "campaigns/duplicate_check.html", context)
    campaigns = list(form.cleaned_data["campaigns"])

    if request.method == "POST":
        removal = dedupe.remove_duplicates(campaigns, request.user)
        messages.success(
            request,
            f"{removal.removed_count} duplicate lead"
            f"{'s' if removal.removed_count != 1 else ''} removed; "
            "their contacts are kept.",
        )
        return redirect(
            reverse("campaigns:duplicate-check")
            + "?"
            + "&".join(f"campaigns={c.pk}" for c in campaigns)
        )

    duplicates = dedupe.find_duplicates(campaigns)
    context = {
        "form": form,
        "campaigns": campaigns,
        "groups": dedupe.preview_groups(duplicates),
        "duplicate_count": len(duplicates),
        "checked": dedupe.count_checked_leads(campaigns),
        "preview_limit": dedupe.PREVIEW_LIMIT,
        "removals": removals,
    }
    return render(request, "campaigns/duplicate_check.html", context)
