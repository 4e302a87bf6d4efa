from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from adversus import views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("pools/", include("leads.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("dialer/", include("dialer.urls")),
    path("settings/", views.client_settings, name="client-settings"),
]
