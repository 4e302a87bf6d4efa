"""Filters for a campaign's leads table and its CSV export."""

import django_filters
from django import forms

from adversus.clock import within_calendar
from adversus.models import User
from campaigns.models import Lead, Status


class WholeNumberFilter(django_filters.NumberFilter):
    """Attempts are counted in whole calls; "1.5" is refused, not rounded."""

    field_class = forms.IntegerField


class LeadFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, empty_label="Any")
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(role=User.Role.PHONER).order_by("username"),
        empty_label="Anyone",
    )
    attempts = WholeNumberFilter(
        field_name="contact_attempts", label="Attempts", min_value=0
    )
    due_after = django_filters.DateTimeFilter(
        field_name="next_contact_at",
        lookup_expr="gte",
        label="Next contact from",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[within_calendar],
    )
    due_before = django_filters.DateTimeFilter(
        field_name="next_contact_at",
        lookup_expr="lt",
        label="Next contact before",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        validators=[within_calendar],
    )

    class Meta:
        model = Lead
        fields: list[str] = []
