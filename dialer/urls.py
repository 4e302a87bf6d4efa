from django.urls import path

from dialer import views

app_name = "dialer"

urlpatterns = [
    path("", views.overview, name="overview"),
]
