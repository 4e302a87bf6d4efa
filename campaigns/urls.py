from django.urls import path

from campaigns import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="campaign-list"),
    path("new/", views.campaign_create, name="campaign-create"),
    path("<int:pk>/", views.campaign_leads, name="campaign-leads"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("<int:pk>/export.csv", views.campaign_export, name="campaign-export"),
    path(
        "<int:pk>/statistics/",
        views.campaign_statistics_page,
        name="campaign-statistics",
    ),
    path("leads/<int:pk>/", views.lead_detail, name="lead-detail"),
    path("leads/<int:pk>/status/", views.lead_status, name="lead-status"),
    path("leads/<int:pk>/owner/", views.lead_owner, name="lead-owner"),
    path("leads/<int:pk>/release/", views.lead_release, name="lead-release"),
    path(
        "from-pool/<int:pool_pk>/",
        views.pool_add_to_campaign,
        name="pool-add-to-campaign",
    ),
    path("duplicates/", views.duplicate_check, name="duplicate-check"),
]
