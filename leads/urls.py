from django.urls import path  # noqa: F401

from leads.views import imports, pools  # noqa: F401

app_name = "leads"

urlpatterns: list = [
    # Pools and contacts (leads/views/pools.py)
    # Uploads (leads/views/imports.py)
]
