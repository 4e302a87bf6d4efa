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
    ]

    def has_add_permission(self, request) -> bool:
        return not ClientSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
