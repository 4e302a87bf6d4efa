"""Lead pools and their contacts, for managers.

Leads and campaigns are counted through reverse relations (contacts' leads,
the pools' campaign links) so that this app needs no import from campaigns
(dependencies point campaigns -> leads).
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from adversus.access import manager_required
from leads.exports import CONTACT_COLUMNS, csv_response
from leads.filters import ContactFilter
from leads.models import Contact, LeadPool
from leads.pool_forms import ContactForm
from leads.tables import (
    CONTACT_SORTS,
    ContactTable,
    Sort,
    keyset_page,
    without_unknown_sort,
)

# Pools up to this size are counted exactly; bigger ones are estimated.
EXACT_COUNT_UP_TO = 20_000


def contact_counts(pools: list[LeadPool]) -> dict[int, tuple[int, bool]]:
    """Each pool's number of contacts, and whether it is an estimate.

    Counting a million contacts takes a tenth of a second per pool, so a
    count stops at EXACT_COUNT_UP_TO and a bigger pool shows PostgreSQL's
    row estimate from its statistics (the import refreshes them).
    """
    counts = {}
    for pool in pools:
        exact = Contact.objects.filter(pool=pool)[: EXACT_COUNT_UP_TO + 1].count()
        if exact <= EXACT_COUNT_UP_TO or connection.vendor != "postgresql":
            counts[pool.pk] = (exact, False)
        else:
            counts[pool.pk] = (max(_estimate(pool), exact), True)
    return counts


def _estimate(pool: LeadPool) -> int:
    sql, params = Contact.objects.filter(pool=pool).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    rows = int(plan[0]["Plan"]["Plan Rows"])
    # Three significant figures: the estimate is no more precise than that.
    return round(rows, 3 - len(str(rows)))


@require_GET
@manager_required
def pool_list(request: HttpRequest) -> HttpResponse:
    pools = list(
        LeadPool.objects.annotate(campaign_count=Count("campaign_links")).order_by(
            "name", "id"
        )
    )
    counts = contact_counts(pools)
    for pool in pools:
        pool.contact_count, pool.contact_count_estimated = counts[pool.pk]
    return render(request, "leads/pool_list.html", {"pools": pools})


@require_GET
@manager_required
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(LeadPool, pk=pk)
    contact_filter = ContactFilter(request.GET or None, queryset=pool.contacts.all())

    sort, sort_error = Sort.read(request.GET.get("sort"), CONTACT_SORTS)
    page = keyset_page(
        contact_filter.qs, sort, without_unknown_sort(request.GET, sort_error)
    )
    page.error = " ".join(filter(None, [sort_error, page.error]))
    table = ContactTable(page, sort, CONTACT_SORTS)

    if request.htmx:
        return render(request, "leads/_pool_contacts.html", {"table": table})
    context = {
        "pool": pool,
        "filter": contact_filter,
        "table": table,
        "query": _filter_query(request),
    }
    return render(request, "leads/pool_detail.html", context)


def _filter_query(request: HttpRequest) -> str:
    """The page's filter as a query string, without sorting or paging."""
    query = request.GET.copy()
    for key in ("sort", "page", "after", "before"):
        query.pop(key, None)
    return query.urlencode()


@require_GET
@manager_required
def pool_export(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(LeadPool, pk=pk)
    contacts = ContactFilter(request.GET or None, queryset=pool.contacts.all()).qs

    fields = [name for name, _ in CONTACT_COLUMNS]
    rows = contacts.order_by("id").values_list(*fields).iterator(chunk_size=2000)
    header = [label for _, label in CONTACT_COLUMNS]
    return csv_response(f"pool-{pool.pk}-contacts.csv", header, rows)


@require_http_methods(["GET", "POST"])
@manager_required
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("pool"), pk=pk)
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Contact saved; every campaign shows the change.")
        return redirect("leads:pool-detail", pk=contact.pool_id)
    leads = contact.leads.select_related("campaign").order_by("id")
    context = {"contact": contact, "form": form, "leads": leads}
    return render(request, "leads/contact_form.html", context)


@require_GET
@manager_required
def pool_delete_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(LeadPool, pk=pk)
    context = {"pool": pool, "impact": pool.impact()}
    return render(request, "leads/pool_confirm_delete.html", context)


@require_POST
@manager_required
def pool_delete(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(LeadPool, pk=pk)
    if pool.is_default:
        messages.error(
            request,
            "The default contact pool receives campaign uploads and cannot be deleted.",
        )
        return redirect("leads:pool-delete-confirm", pk=pool.pk)
    impact = pool.impact()

    pool.delete()

    messages.success(
        request,
        f"Pool “{pool}” deleted with {impact['contacts']} contacts and "
        f"{impact['leads']} leads in {impact['campaigns']} campaigns.",
    )
    return redirect("leads:pool-list")


@require_POST
@manager_required
def pool_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate (or activate again) a pool; its leads stay in campaigns."""
    pool = get_object_or_404(LeadPool, pk=pk)
    pool.is_active = request.POST.get("active") == "1"
    try:
        pool.clean()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("leads:pool-detail", pk=pool.pk)

    pool.save(update_fields=["is_active"])

    state = "activated" if pool.is_active else "deactivated"
    messages.success(request, f"Pool “{pool}” {state}.")
    return redirect(reverse("leads:pool-detail", args=[pool.pk]))
