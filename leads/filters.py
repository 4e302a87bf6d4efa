"""Filters for the contacts of a pool."""

import django_filters
from django.db.models import Q, QuerySet

from leads.models import Contact


class ContactFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(method="filter_name", label="Name")
    phone = django_filters.CharFilter(lookup_expr="icontains", label="Phone")
    email = django_filters.CharFilter(
        field_name="email_key", lookup_expr="icontains", label="E-mail"
    )
    company = django_filters.CharFilter(lookup_expr="icontains", label="Company")

    class Meta:
        model = Contact
        fields: list[str] = []

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(name__icontains=word)
            )
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.form.cleaned_data.values()) if self.is_valid() else False
