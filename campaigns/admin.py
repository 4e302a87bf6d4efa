from django.contrib import admin

from campaigns.models import Campaign, Lead, LeadEvent, LeadRemoval, PoolCampaign
from campaigns.services import relink_pools


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "max_contact_attempts", "redial_delay_minutes", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    filter_horizontal = ["phoners"]


class LeadEventInline(admin.TabularInline):
    model = LeadEvent
    extra = 0
    can_delete = False
    readonly_fields = [
        "created_at",
        "kind",
        "actor",
        "from_status",
        "to_status",
        "note",
    ]


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = [
        "contact",
        "campaign",
        "status",
        "contact_attempts",
        "next_contact_at",
        "owner",
        "held_by",
        "held_since",
    ]
    list_filter = ["status", "campaign"]
    search_fields = ["=contact__phone", "contact__last_name", "contact__company"]
    list_select_related = ["contact", "campaign", "owner", "held_by"]
    raw_id_fields = ["contact", "owner", "held_by", "last_contacted_by"]
    show_full_result_count = False
    inlines = [LeadEventInline]

    # The pool list counts campaigns per pool from PoolCampaign links.
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if change:
            before = form.initial.get("campaign")
            relink_pools(list({obj.campaign_id, before} - {None}))
        else:
            PoolCampaign.objects.get_or_create(
                pool_id=obj.contact.pool_id, campaign_id=obj.campaign_id
            )

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        relink_pools([obj.campaign_id])

    def delete_queryset(self, request, queryset) -> None:
        campaign_ids = list(queryset.values_list("campaign_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        relink_pools(campaign_ids)


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "lead", "kind", "actor", "from_status", "to_status"]
    list_filter = ["kind"]
    raw_id_fields = ["lead", "actor"]
    show_full_result_count = False


@admin.register(LeadRemoval)
class LeadRemovalAdmin(admin.ModelAdmin):
    """Read-only: the record of what the duplicate check removed."""

    list_display = ["created_at", "removed_by", "checked_leads", "removed_count"]
    readonly_fields = [
        "created_at",
        "removed_by",
        "campaigns",
        "checked_leads",
        "removed_count",
        "removed",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
