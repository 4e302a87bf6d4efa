"""Tables of contacts, and the keyset paging every large table uses.

A campaign can hold millions of leads, so no table page may run a full
COUNT(*) or skip rows with a deep OFFSET. Pages are cut with a cursor (the
sort value and id of the row at the page's edge), and the sort always ends
on the id, so rows with equal sort values are neither repeated nor skipped.
`?page=N` keeps working for the first pages; deeper pages are reached with
the next/previous links.
"""

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

import django_tables2 as tables
from django.db import connection
from django.db.models import F, Model, QuerySet
from django.db.models.fields.tuple_lookups import (
    Tuple,
    TupleGreaterThan,
    TupleLessThan,
)
from django.http import QueryDict
from django_tables2.data import TableListData

from leads.models import Contact

PAGE_SIZE = 50
# ?page=N is served with OFFSET only this far; deeper pages use cursors.
MAX_OFFSET_PAGE = 20
# Above this many rows (by the planner's estimate) counts are estimated.
EXACT_COUNT_LIMIT = 10_000
CURSOR_ERROR = (
    "The link's page position is unreadable (an old or edited link); "
    "showing the first page."
)


class PageRequestError(ValueError):
    """A page number or cursor in the URL that no page of ours matches."""


@dataclass(frozen=True)
class Sort:
    """One sort column, always followed by the id in the same direction."""

    field: str
    descending: bool = False

    @classmethod
    def parse(cls, value: str | None, allowed: dict[str, str]) -> "Sort":
        """Read `?sort=` (a column name, "-" for descending); unknown: id."""
        value = value or ""
        descending = value.startswith("-")
        alias = value.lstrip("-")
        if alias not in allowed:
            return cls("id")
        return cls(allowed[alias], descending)

    @classmethod
    def read(cls, value: str | None, allowed: dict[str, str]) -> tuple["Sort", str]:
        """As parse, with a message for the manager when `value` names no
        column (a hand-edited or outdated link)."""
        sort = cls.parse(value, allowed)
        if value and value.lstrip("-") not in allowed:
            shown = value if len(value) <= 40 else value[:40] + "…"
            return sort, f"Unknown sort '{shown}'; showing the default order."
        return sort, ""

    def reversed(self) -> "Sort":
        return Sort(self.field, not self.descending)


@dataclass
class KeysetPage:
    rows: list
    number: int | None
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    total: int = 0
    total_is_estimate: bool = False
    error: str = ""
    params: QueryDict = field(default_factory=QueryDict)

    def link(self, **changes: Any) -> str:
        """The query string of this page with `changes` (None drops a key)."""
        query = self.params.copy()
        for key in ("page", "after", "before"):
            query.pop(key, None)
        for key, value in changes.items():
            if value is not None:
                query[key] = value
        return "?" + query.urlencode()

    @property
    def next_link(self) -> str:
        return self.link(after=self.next_cursor)

    @property
    def previous_link(self) -> str:
        if self.number and self.number > 1:
            return self.link(page=self.number - 1)
        return self.link(before=self.previous_cursor)

    @property
    def first_link(self) -> str:
        return self.link()


def encode_cursor(row: Model, sort: Sort) -> str:
    value = getattr(row, sort.field)
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    raw = json.dumps([value, row.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, model: type[Model], sort: Sort) -> tuple[Any, int]:
    """Raise PageRequestError when the cursor is not one this table made."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, TypeError) as error:
        raise PageRequestError(CURSOR_ERROR) from error
    if not isinstance(pk, int):
        raise PageRequestError(CURSOR_ERROR)
    if value is not None:
        # to_python raises ValidationError, a ValueError's sibling.
        try:
            value = model._meta.get_field(sort.field).to_python(value)
        except Exception as error:
            raise PageRequestError(CURSOR_ERROR) from error
    return value, pk


def _is_nullable(model: type[Model], sort: Sort) -> bool:
    return model._meta.get_field(sort.field).null


def ordered(queryset: QuerySet, sort: Sort) -> QuerySet:
    """Order by the sort column then the id; NULLs after values ascending.

    PostgreSQL's own NULL placement (last ascending, first descending), so a
    plain (…, column, id) index serves both directions.
    """
    column = F(sort.field)
    if sort.field == "id":
        return queryset.order_by("-id" if sort.descending else "id")
    if sort.descending:
        return queryset.order_by(column.desc(nulls_first=True), "-id")
    return queryset.order_by(column.asc(nulls_last=True), "id")


def _segments(model: type[Model], sort: Sort) -> list[str]:
    """The runs of rows in sort order: NULL sort values form their own run.

    A cursor condition written with OR IS NULL cannot bound an index scan;
    one range query per run can.
    """
    if sort.field == "id" or not _is_nullable(model, sort):
        return ["values"]
    return ["nulls", "values"] if sort.descending else ["values", "nulls"]


def _after(
    queryset: QuerySet, sort: Sort, cursor: tuple[Any, int] | None, limit: int
) -> list:
    """Up to `limit` rows that follow `cursor` (None: from the start)."""
    model = queryset.model
    segments = _segments(model, sort)
    if cursor is not None:
        value, pk = cursor
        start = "nulls" if value is None and sort.field != "id" else "values"
        segments = segments[segments.index(start) :]
    rows: list = []

    for position, segment in enumerate(segments):
        part = queryset
        if segment == "nulls":
            part = part.filter(**{f"{sort.field}__isnull": True})
        elif len(segments) > 1 or _is_nullable(model, sort):
            part = part.filter(**{f"{sort.field}__isnull": False})
        if cursor is not None and position == 0:
            compare = TupleLessThan if sort.descending else TupleGreaterThan
            if segment == "nulls" or sort.field == "id":
                lookup = "id__lt" if sort.descending else "id__gt"
                part = part.filter(**{lookup: pk})
            else:
                part = part.filter(compare(Tuple(sort.field, "id"), (value, pk)))
        rows += list(ordered(part, sort)[: limit - len(rows)])
        if len(rows) >= limit:
            break
    return rows


def count_rows(queryset: QuerySet) -> tuple[int, bool]:
    """Exact count for small results, the planner's estimate for large ones."""
    if connection.vendor == "postgresql":
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        if estimate > EXACT_COUNT_LIMIT:
            return estimate, True
    return queryset.count(), False


def without_unknown_sort(params: QueryDict, sort_error: str) -> QueryDict:
    """The page's query without an unknown sort, so that the paging links
    do not carry it (and its message) on."""
    if not sort_error:
        return params
    params = params.copy()
    params.pop("sort", None)
    return params


def keyset_page(
    queryset: QuerySet, sort: Sort, params: QueryDict, per_page: int = PAGE_SIZE
) -> KeysetPage:
    """The page that `params` asks for: ?after=, ?before= or ?page=.

    A page number or cursor that does not fit gives the first page and a
    message saying why.
    """
    total, estimated = count_rows(queryset)
    page = KeysetPage(
        rows=[],
        number=None,
        has_next=False,
        has_previous=False,
        total=total,
        total_is_estimate=estimated,
        params=params,
    )
    try:
        rows = _fill(page, queryset, sort, params, per_page)
    except PageRequestError as error:
        page.error = str(error)
        rows = _fill(page, queryset, sort, QueryDict(), per_page)

    page.rows = rows
    if rows:
        page.next_cursor = encode_cursor(rows[-1], sort)
        page.previous_cursor = encode_cursor(rows[0], sort)
    return page


def _fill(
    page: KeysetPage, queryset: QuerySet, sort: Sort, params: QueryDict, per_page: int
) -> list:
    """Fetch the rows `params` ask for and set the page's neighbours."""
    model = queryset.model
    after, before = params.get("after"), params.get("before")

    if after:
        cursor = _decode_cursor(after, model, sort)
        rows = _after(queryset, sort, cursor, per_page + 1)
        page.has_previous = True
        page.has_next = len(rows) > per_page
        return rows[:per_page]
    if before:
        cursor = _decode_cursor(before, model, sort)
        rows = _after(queryset, sort.reversed(), cursor, per_page + 1)
        page.has_next = True
        page.has_previous = len(rows) > per_page
        if not page.has_previous:
            page.number = 1
        return list(reversed(rows[:per_page]))
    number = _page_number(params.get("page"))
    offset = (number - 1) * per_page
    rows = list(ordered(queryset, sort)[offset : offset + per_page + 1])
    page.number = number
    page.has_previous = number > 1
    page.has_next = len(rows) > per_page
    return rows[:per_page]


def _page_number(value: str | None) -> int:
    if value in (None, ""):
        return 1
    try:
        number = int(value)
    except ValueError:
        raise PageRequestError(
            f"'{value}' is not a page number; showing the first page."
        ) from None
    if number < 1:
        raise PageRequestError("Pages start at 1; showing the first page.")
    if number > MAX_OFFSET_PAGE:
        raise PageRequestError(
            f"Page numbers go up to {MAX_OFFSET_PAGE}; use the next and previous "
            "links to go deeper. Showing the first page."
        )
    return number


class PresortedRows(TableListData):
    """Rows that the keyset query already sorted; the table must not re-sort."""

    def order_by(self, aliases) -> None:
        return None


class KeysetTable(tables.Table):
    """A django-tables2 table fed one keyset page.

    The header links still come from django-tables2 (`?sort=`); the
    pagination block of tables/_htmx_table.html reads `table.keyset`.
    """

    def __init__(self, page: KeysetPage, sort: Sort, aliases: dict[str, str]):
        super().__init__(PresortedRows(page.rows))
        self.keyset = page
        alias = next((a for a, f in aliases.items() if f == sort.field), "")
        if alias:
            self.order_by = ("-" if sort.descending else "") + alias

    class Meta:
        order_by_field = "sort"
        attrs = {"class": "data"}


CONTACT_SORTS = {
    "id": "id",
    "phone": "phone",
    "email": "email_key",
    "last_name": "last_name",
    "company": "company",
}


class ContactTable(KeysetTable):
    id = tables.Column(verbose_name="#")
    last_name = tables.Column(
        verbose_name="Name",
        accessor="display_name",
        linkify=("leads:contact-edit", {"pk": tables.A("pk")}),
        order_by="last_name",
    )
    phone = tables.Column()
    email = tables.Column(verbose_name="E-mail")
    company = tables.Column()
    city = tables.Column(orderable=False)

    class Meta(KeysetTable.Meta):
        model = Contact
        fields = ("id", "last_name", "phone", "email", "company", "city")
        empty_text = "No contacts match."
