"""CSV files that open cleanly in Excel.

UTF-8 with a byte order mark, so Excel shows æ, ø and å; semicolons
between fields, as Danish Excel expects. A cell that starts with =, +, -,
@, a tab or a carriage return, after any spaces, would run as a formula in
a spreadsheet, so it gets a leading apostrophe.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    # Spreadsheets that trim cells on import see " =1+1" as a formula too.
    if text.startswith(FORMULA_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    # Semicolons: Danish Excel splits on them, and puts a comma-separated
    # file in one column.
    writer = csv.writer(_Echo(), delimiter=";")
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def csv_response(
    filename: str, header: list[str], rows: Iterable[Iterable]
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


CONTACT_COLUMNS = [
    ("id", "Contact id"),
    ("phone", "Phone"),
    ("email", "E-mail"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("name", "Name"),
    ("company", "Company"),
    ("address", "Address"),
    ("zip_code", "Zip code"),
    ("city", "City"),
    ("country", "Country"),
    ("notes", "Notes"),
]
