import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_GET, require_http_methods

from adversus.access import manager_required
from adversus.forms import ClientSettingsForm
from adversus.models import ClientSettings
from dialer.release import held_lead_summary

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is."""
    if request.user.is_manager:
        return redirect("campaigns:campaign-list")
    return redirect("dialer:overview")


@require_GET
@login_not_required
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon, such as
    the admin's; the icon itself is a local static file."""
    return redirect(static("favicon.ico"), permanent=True)


@require_http_methods(["GET", "POST"])
@manager_required
def client_settings(request: HttpRequest) -> HttpResponse:
    """The account's settings, with the leads phoners hold right now."""
    data = request.POST if request.method == "POST" else None
    form = ClientSettingsForm(data, instance=ClientSettings.load())
    saved = request.method == "POST" and form.is_valid()
    if saved:
        form.save()
        logger.info(
            "client settings saved user_id=%s changed=%s",
            request.user.pk,
            ",".join(form.changed_data),
        )
        if not request.htmx:
            messages.success(request, "Settings saved.")
            return redirect("client-settings")

    context = {
        "form": form,
        "saved": saved,
        # As stored: a refused form has put its values on its instance.
        "client_settings": ClientSettings.load(),
        "held": held_lead_summary(),
    }
    if request.htmx and request.htmx.target == "held-leads":
        return render(request, "adversus/_held_leads.html", context)
    if request.htmx:
        response = render(request, "adversus/_client_settings_form.html", context)
        if saved:
            # The held-lead figures depend on the hours just saved.
            response["HX-Trigger"] = "settings-saved"
        return response
    return render(request, "adversus/client_settings.html", context)
