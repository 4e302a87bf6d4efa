"""Contact upload in steps: choose a file, map columns, run, read the report."""

import csv
import logging
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from adversus.access import manager_required
from leads.exports import neutralise
from leads.forms import ImportOptionsForm, UploadForm
from leads.importing import NEW_POOL, ImportFileError, guess_mapping, preview
from leads.models import ContactImport
from leads.tasks import queue_import

logger = logging.getLogger(__name__)

ISSUES_SHOWN = 500


def _import_list_page(request: HttpRequest, form: UploadForm, status: int = 200):
    imports = ContactImport.objects.select_related("pool", "uploaded_by")
    page = Paginator(imports, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "leads/import_list.html",
        {"form": form, "page": page},
        status=status,
    )


@require_GET
@manager_required
def import_list(request: HttpRequest) -> HttpResponse:
    return _import_list_page(request, UploadForm())


# One choice per column goes back with the mapping form, and Django takes
# at most DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000) fields per request.
WEB_MAX_COLUMNS = 500


@require_POST
@manager_required
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_list_page(request, form, status=400)

    upload = form.cleaned_data["file"]
    contact_import = ContactImport(
        file_name=Path(upload.name).name[:255],
        uploaded_by=request.user,
        state=ContactImport.State.PREVIEW,
    )
    contact_import.file.save(upload.name, upload, save=True)
    try:
        _, headers, _ = preview(Path(contact_import.file.path))
    except ImportFileError as error:
        contact_import.file.delete(save=False)
        contact_import.delete()
        form.add_error("file", error.message)
        return _import_list_page(request, form, status=400)

    if len(headers) > WEB_MAX_COLUMNS:
        contact_import.file.delete(save=False)
        contact_import.delete()
        form.add_error(
            "file",
            f"This file has {len(headers):,} columns; the upload page maps at "
            f"most {WEB_MAX_COLUMNS}. Remove the columns you do not need, or "
            "import the file with the import_contacts command.",
        )
        return _import_list_page(request, form, status=400)

    contact_import.options = {"headers": headers}
    contact_import.save(update_fields=["options"])
    return redirect("leads:import-preview", pk=contact_import.pk)


def _preview_page(
    request: HttpRequest, contact_import: ContactImport, form=None, status=200
) -> HttpResponse:
    try:
        file_format, headers, rows = preview(Path(contact_import.file.path))
    except (ImportFileError, OSError, ValueError):
        messages.error(
            request,
            f"'{contact_import.file_name}' can no longer be read; upload it again.",
        )
        return redirect("leads:import-list")
    if form is None:
        form = ImportOptionsForm(headers=headers, mapping=guess_mapping(headers))
    context = {
        "contact_import": contact_import,
        "format": file_format,
        "headers": headers,
        "rows": rows,
        "form": form,
    }
    return render(request, "leads/import_preview.html", context, status=status)


def _own_import(pk: int) -> ContactImport:
    return get_object_or_404(ContactImport.objects.select_related("pool"), pk=pk)


@require_GET
@manager_required
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    contact_import = _own_import(pk)
    if contact_import.state != ContactImport.State.PREVIEW:
        return redirect("leads:import-detail", pk=pk)
    return _preview_page(request, contact_import)


@require_POST
@manager_required
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    contact_import = _own_import(pk)
    if contact_import.state != ContactImport.State.PREVIEW:
        return redirect("leads:import-detail", pk=pk)
    headers = contact_import.options.get("headers", [])
    form = ImportOptionsForm(
        request.POST, headers=headers, mapping=guess_mapping(headers)
    )
    if not form.is_valid():
        return _preview_page(request, contact_import, form, status=400)

    # Whether the worker got the message: the broker may be away.
    sent: list[bool] = []
    with transaction.atomic():
        contact_import.pool = form.target_pool()
        contact_import.options = {**contact_import.options, **form.import_options()}
        if form.creates_pool():
            # Removed again if the worker rejects the file as a whole.
            contact_import.options[NEW_POOL] = contact_import.pool.name
        contact_import.state = ContactImport.State.PENDING
        contact_import.save(update_fields=["pool", "options", "state"])
        transaction.on_commit(lambda: sent.append(queue_import(contact_import.pk)))

    logger.info(
        "import started import_id=%s user=%s", contact_import.pk, request.user.pk
    )
    if sent == [False]:
        messages.warning(
            request,
            "The import is queued; it will start when the background worker "
            "is reachable. You can leave this page.",
        )
    return redirect("leads:import-detail", pk=pk)


@require_GET
@manager_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact_import = _own_import(pk)
    if contact_import.state == ContactImport.State.PREVIEW:
        return redirect("leads:import-preview", pk=pk)
    issues = contact_import.issues.all()[:ISSUES_SHOWN]
    context = {
        "contact_import": contact_import,
        "issues": issues,
        "issues_shown": ISSUES_SHOWN,
        "in_progress": contact_import.state
        in (ContactImport.State.PENDING, ContactImport.State.RUNNING),
        "percent": _percent(contact_import),
    }
    template = "leads/import_detail.html"
    if request.htmx:
        template = "leads/_import_status.html"
    return render(request, template, context)


def _percent(contact_import: ContactImport) -> int:
    if contact_import.state == ContactImport.State.DONE:
        return 100
    if not contact_import.total_rows:
        return 0
    return min(100, contact_import.rows_done * 100 // contact_import.total_rows)


@require_GET
@manager_required
def import_issues_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """Rejected and duplicate rows, as uploaded, with the reason beside them."""
    contact_import = _own_import(pk)
    headers = contact_import.options.get("headers") or []
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stem = Path(contact_import.file_name).stem or "import"
    response["Content-Disposition"] = f'attachment; filename="{stem}-rejected.csv"'
    # A BOM tells Excel the file is UTF-8; ';' is Danish Excel's separator.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers] + ["reason"])
    for issue in contact_import.issues.iterator(chunk_size=2000):
        values = list(issue.values) + [""] * (len(headers) - len(issue.values))
        reason = f"Row {issue.row}, line {issue.line}: {issue.code}: {issue.message}"
        writer.writerow([neutralise(value) for value in values] + [neutralise(reason)])
    return response
