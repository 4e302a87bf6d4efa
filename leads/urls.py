from django.urls import path  # noqa: F401

from leads.views import imports, pools  # noqa: F401

app_name = "leads"

urlpatterns: list = [
    # Pools and contacts (leads/views/pools.py)
    path("", pools.pool_list, name="pool-list"),
    path("<int:pk>/", pools.pool_detail, name="pool-detail"),
    path("<int:pk>/export.csv", pools.pool_export, name="pool-export"),
    path("<int:pk>/active/", pools.pool_set_active, name="pool-set-active"),
    path("<int:pk>/delete/", pools.pool_delete_confirm, name="pool-delete-confirm"),
    path("<int:pk>/delete/confirmed/", pools.pool_delete, name="pool-delete"),
    path("contacts/<int:pk>/", pools.contact_edit, name="contact-edit"),
    # Uploads (leads/views/imports.py)
    path("imports/", imports.import_list, name="import-list"),
    path("imports/upload/", imports.import_upload, name="import-upload"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/preview/", imports.import_preview, name="import-preview"),
    path("imports/<int:pk>/start/", imports.import_start, name="import-start"),
    path(
        "imports/<int:pk>/rejected.csv",
        imports.import_issues_csv,
        name="import-issues-csv",
    ),
]
