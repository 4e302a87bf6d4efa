from django.contrib import admin

from campaigns.models import Campaign, Lead, LeadEvent


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


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "lead", "kind", "actor", "from_status", "to_status"]
    list_filter = ["kind"]
    raw_id_fields = ["lead", "actor"]
    show_full_result_count = False
