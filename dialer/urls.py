from django.urls import path

from dialer import views

app_name = "dialer"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("campaigns/<int:campaign_id>/next/", views.lead_next, name="lead-next"),
    path("leads/<int:lead_id>/", views.lead_open, name="lead-open"),
    path("leads/<int:lead_id>/save/", views.lead_save, name="lead-save"),
]
