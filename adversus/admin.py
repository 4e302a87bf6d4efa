from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from adversus.models import ClientSettings, User


@admin.register(User)
class AccountUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    fieldsets = [*UserAdmin.fieldsets, ("Role", {"fields": ["role"]})]
    add_fieldsets = [*UserAdmin.add_fieldsets, ("Role", {"fields": ["role"]})]


@admin.register(ClientSettings)
class ClientSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "release_unsolved_enabled",
        "release_unsolved_after_hours",
        "release_unsolved_every_minutes",
        "release_unsolved_last_run_at",
    ]
    fieldsets = [
        (
            "Unsolved leads",
            {
                "description": "A lead a phoner opened without saving a result "
                "goes back to its former status after the hours below; the "
                "background job looks for such leads at the interval below.",
                "fields": [
                    "release_unsolved_enabled",
                    "release_unsolved_after_hours",
                    "release_unsolved_every_minutes",
                    "release_unsolved_last_run_at",
                ],
            },
        ),
        ("Time", {"fields": ["time_zone"]}),
    ]
    readonly_fields = ["release_unsolved_last_run_at"]

    def has_add_permission(self, request) -> bool:
        return not ClientSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        if change:
            # Only what was edited: the release job writes its last run time
            # on the same row.
            obj.save(update_fields=form.changed_data)
        else:
            obj.save()
