"""Filters for the contacts of a pool."""

import re

import django_filters
from django.db.models import Q, QuerySet

from leads.models import Contact
from leads.phones import PhoneError, to_e164


class ContactFilter(django_filters.FilterSet):
    name = django_filters.CharFilter(method="filter_name", label="Name")
    phone = django_filters.CharFilter(method="filter_phone", label="Phone")
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

    def filter_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A whole number finds that number (indexed); digits find any part.

        Phones are stored as E.164, so "20 12 34 56" is read as +4520123456
        rather than searched for with its spaces.
        """
        try:
            return queryset.filter(phone=to_e164(value))
        except PhoneError:
            pass
        digits = re.sub(r"[^\d+]", "", value)
        return queryset.filter(phone__contains=digits or value)
