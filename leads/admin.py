from django.contrib import admin

from leads.models import Contact, ContactImport, ImportIssue, LeadPool


@admin.register(LeadPool)
class LeadPoolAdmin(admin.ModelAdmin):
    list_display = ["name", "purpose", "is_default", "is_active", "created_at"]
    list_filter = ["purpose", "is_active"]
    search_fields = ["name"]

    def get_deleted_objects(self, objs, request):
        """Counts, not a line per contact: listing a pool of 200,000
        contacts took minutes and 40 MB of HTML."""
        pools = list(objs)
        summary = []
        counts = {"contact pools": len(pools), "contacts": 0, "leads": 0}
        for pool in pools:
            impact = pool.impact()
            counts["contacts"] += impact["contacts"]
            counts["leads"] += impact["leads"]
            summary.append(
                f"{pool}: {impact['contacts']} contacts, {impact['leads']} leads "
                f"in {impact['campaigns']} campaigns"
            )
        needed = {
            name
            for name, perm in (
                ("contact pools", "leads.delete_leadpool"),
                ("contacts", "leads.delete_contact"),
                ("leads", "campaigns.delete_lead"),
            )
            if counts[name] and not request.user.has_perm(perm)
        }
        return summary, counts, needed, []


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["phone", "first_name", "last_name", "company", "email", "pool"]
    list_filter = ["pool"]
    search_fields = ["=phone", "email_key", "first_name", "last_name", "company"]
    list_select_related = ["pool"]
    raw_id_fields = ["contact_import"]
    show_full_result_count = False


class ImportIssueInline(admin.TabularInline):
    model = ImportIssue
    extra = 0
    can_delete = False
    readonly_fields = ["row", "line", "code", "message", "values"]


@admin.register(ContactImport)
class ContactImportAdmin(admin.ModelAdmin):
    list_display = [
        "file_name",
        "pool",
        "uploaded_by",
        "created_at",
        "state",
        "imported",
        "rejected",
        "duplicates",
        "skipped_blank",
    ]
    list_filter = ["state", "pool"]
    search_fields = ["file_name"]
    inlines = [ImportIssueInline]
