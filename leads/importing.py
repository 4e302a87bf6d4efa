"""The contact import: read a CSV file, check each row, write all or nothing.

One code path serves the web upload (through the Celery task in
leads/tasks.py) and the `import_contacts` command. The rules are those of the
import contract: how a file is decoded and split, how rows are cleaned,
which rows are rejected or duplicates, and that nothing is half-written.

The import runs in two phases:

1. Read the file as a stream, in batches. Each batch is cleaned, checked
   against the existing contacts (one indexed query per batch, never one per
   row) and against the earlier rows of the file, then appended to two
   staging tables: accepted contacts and issues. Progress is saved after
   every batch. On PostgreSQL the staging rows go in with COPY.
2. In one transaction: remove whatever an earlier run of the same import
   left, copy the staging tables into contacts and issues with set-based SQL,
   save the counts and call `on_imported` (which may add the contacts to a
   campaign). A crash anywhere leaves nothing of this import behind, and a
   second run gives the same result.

On PostgreSQL (outside a caller's transaction) both phases share one
transaction instead: each batch's contacts are copied straight into the
contact table by a writer thread while the next batch is read, only their
keys are staged, and progress goes through a second connection so the
upload page sees it. Nothing of the import is visible to others until the
single COMMIT, and a crash rolls all of it back.
"""

import codecs
import contextlib
import csv
import gc
import json
import logging
import operator
import re
import time
import unicodedata
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from leads.models import Contact, ContactImport, ImportIssue, LeadPool
from leads.phones import DEFAULT_COUNTRY, PhoneError, region_for, to_e164

logger = logging.getLogger(__name__)

BATCH_ROWS = 10_000
# Key of the PostgreSQL advisory lock held by the import that is writing.
WRITE_LOCK = 7302
# Fewer rows per batch for wide files, so memory stays bounded by the batch.
BATCH_CELLS = 200_000
PROGRESS_EVERY_SECONDS = 1.0
PREVIEW_ROWS = 10

FIELDS = [
    "phone",
    "first_name",
    "last_name",
    "name",
    "company",
    "email",
    "address",
    "zip_code",
    "city",
    "country",
    "notes",
]
FIELD_LABELS = {
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "name": "Name",
    "company": "Company",
    "email": "E-mail",
    "address": "Address",
    "zip_code": "Zip code",
    "city": "City",
    "country": "Country",
    "notes": "Notes",
}
# A column mapped to EXTRA is kept on the contact under its header; IGNORE
# drops it (the manager's choice in the web upload).
EXTRA = "extra"
IGNORE = "ignore"

ALIASES = {
    "phone": [
        "phone",
        "telefon",
        "tlf",
        "tlf.",
        "mobil",
        "phone number",
        "telephone",
        "mobile",
        "telefonnummer",
        "tlf nr",
        "tlf. nr.",
    ],
    "first_name": ["first_name", "first name", "firstname", "fornavn"],
    "last_name": ["last_name", "last name", "lastname", "surname", "efternavn"],
    "name": ["name", "navn", "full name", "fulde navn"],
    "company": ["company", "firma", "virksomhed", "organisation", "organization"],
    "email": ["email", "e-mail", "mail", "e-mail address", "email address"],
    "address": ["address", "adresse"],
    "zip_code": [
        "zip_code",
        "zip",
        "zip code",
        "postnr",
        "postnr.",
        "postnummer",
        "postal code",
        "postcode",
    ],
    "city": ["city", "by", "town"],
    "country": ["country", "land"],
    "notes": ["notes", "note", "bemærkning", "bemærkninger", "kommentar", "comment"],
}
ALIAS_TO_FIELD = {alias: name for name, aliases in ALIASES.items() for alias in aliases}

DELIMITERS = [";", ",", "\t", "|"]
DELIMITER_NAMES = {
    ";": "semicolon",
    ",": "comma",
    "\t": "tab",
    "|": "pipe",
    " ": "space",
}

# Zero-width spaces and joiners, the word joiner, the byte order mark and
# the left-to-right and right-to-left marks.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f"
# Every whitespace character Unicode knows (NBSP, the typographic spaces,
# U+3000...); all of them lie below U+3001.
WHITESPACE = "".join(char for char in map(chr, range(0x3001)) if char.isspace())
# Trimmed at both ends of every field: whitespace and the invisible format
# characters that copying from web pages and Word leaves behind.
TRIM = WHITESPACE + INVISIBLE
# Never stored: the replacement character and C1 controls are signs of a
# wrong decoding, and a stray one breaks exports and screens.
# NUL is dropped too: PostgreSQL text and jsonb cannot hold it.
UNSTORABLE = re.compile("[\x00\ufffd\u0080-\u009f]")
INVISIBLE_TABLE = dict.fromkeys(map(ord, INVISIBLE))

# A subset of what Django's EmailValidator accepts, checked first because
# the validator costs a fifth of a million-row import; anything it does not
# match goes to the validator, which decides.
PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)

MAX_LENGTHS = {
    name: Contact._meta.get_field(name).max_length
    for name in FIELDS
    if Contact._meta.get_field(name).max_length
}


SHORTEST_LIMIT = min(MAX_LENGTHS.values())
BLANK_FIELDS = dict.fromkeys(FIELDS, "")
field_values = operator.itemgetter(*FIELDS)


def _drop_undefined(error: UnicodeDecodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined; they carry no text, so drop them
    # rather than store U+FFFD.
    return "", error.end


codecs.register_error("contact_import_drop", _drop_undefined)

# The csv module refuses fields over 128 KB by default, and calls such a
# file malformed; a long note is no reason to refuse a file. The upload
# limit bounds what arrives through the web.
csv.field_size_limit(2**31 - 1)


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing is written."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "line": self.line}


EMPTY_HEADER_LINE = ImportFileError(
    "FILE_MISSING_HEADER",
    "The first line of the file is empty. The header line (for example "
    "'Navn;Telefon;Email') must be the first line: remove the empty lines "
    "above it, then upload again.",
    line=1,
)

CRASHED = ImportFileError(
    "IMPORT_CRASHED",
    "The import stopped on an internal error, so nothing was imported. Try "
    "again; if it happens again, send the file to your administrator.",
)


@dataclass
class FileFormat:
    encoding: str
    delimiter: str
    sep_line: bool
    lines: int

    @property
    def encoding_label(self) -> str:
        return {
            "utf-8-sig": "UTF-8 with BOM",
            "utf-8": "UTF-8",
            "cp1252": "Windows-1252 (cp1252)",
            "utf-16": "UTF-16",
        }[self.encoding]

    @property
    def delimiter_label(self) -> str:
        # A sep= line may name any other character.
        return DELIMITER_NAMES.get(self.delimiter, f"'{self.delimiter}'")


@dataclass
class Options:
    """What the manager chose: country, mapping, pools to check against."""

    default_country: str = DEFAULT_COUNTRY
    # None: every pool; []: none; else the ids of the pools to check.
    check_pool_ids: list[int] | None = None
    # Per column: a field name, EXTRA or IGNORE; None guesses from headers.
    mapping: list[str] | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Options":
        return cls(
            default_country=data.get("default_country") or DEFAULT_COUNTRY,
            check_pool_ids=data.get("check_pool_ids"),
            mapping=data.get("mapping"),
        )


# -- Reading the file ---------------------------------------------------------


def detect_format(path: Path) -> FileFormat:
    """Decide encoding and delimiter, or raise ImportFileError.

    The whole file is scanned once (in chunks) to learn whether it is valid
    UTF-8 and how many lines it has, which also sizes the progress bar.
    """
    with open(path, "rb") as raw:
        head = raw.read(8192)
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            raise ImportFileError(
                "FILE_EMPTY",
                "The file is empty. Choose a CSV file with a "
                "header line and at least one contact.",
            )
        _refuse_binary(head)
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            encoding = "utf-16"
            lines = _count_utf16_lines(path)
        else:
            encoding, lines = _scan_utf8(raw, head)
    delimiter, sep_line = _detect_delimiter(path, encoding)
    return FileFormat(encoding, delimiter, sep_line, lines)


def _refuse_binary(head: bytes) -> None:
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "FILE_IS_SPREADSHEET",
            "This is an Excel workbook, not a CSV file. In Excel choose "
            "File > Save As > 'CSV UTF-8' (or 'CSV (semikolonsepareret)') and "
            "upload that file.",
        )
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and b"\x00" in head:
        if _looks_like_utf16(head):
            raise ImportFileError(
                "FILE_NOT_TEXT",
                "This file looks like UTF-16 text without the byte order mark "
                "that says so, so its encoding cannot be told for sure. In "
                "Excel choose File > Save As > 'CSV UTF-8' and upload that file.",
            )
        raise ImportFileError(
            "FILE_NOT_TEXT",
            "This file is not text (it contains binary data). Export the list "
            "as CSV and upload that file.",
        )


def _looks_like_utf16(head: bytes) -> bool:
    """Every other byte NUL: Latin text in UTF-16."""
    for half in (head[0::2], head[1::2]):
        if len(half) >= 8 and half.count(0) >= 0.9 * len(half):
            return True
    return False


def _scan_utf8(raw, head: bytes) -> tuple[str, int]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid = True
    lines = 0
    chunk = head
    while chunk:
        lines += chunk.count(b"\n") or 0
        if valid:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                valid = False
        chunk = raw.read(1 << 20)
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    if not lines:
        # CR-only line endings (old Mac Excel); only for the progress bar.
        raw.seek(0)
        lines = sum(
            block.count(b"\r") for block in iter(lambda: raw.read(1 << 20), b"")
        )
    if not valid:
        return "cp1252", lines
    return ("utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"), lines


def _count_utf16_lines(path: Path) -> int:
    with open(path, encoding="utf-16", errors="contact_import_drop") as text:
        return sum(1 for _ in text)


def open_text(path: Path, encoding: str):
    return open(path, encoding=encoding, errors="contact_import_drop", newline="")


def _detect_delimiter(path: Path, encoding: str) -> tuple[str, bool]:
    with open_text(path, encoding) as text:
        first = text.readline()
    first = first.lstrip("\ufeff").rstrip("\r\n")
    if first.lower().startswith("sep=") and len(first) >= 5:
        delimiter = first[4]
        if delimiter == '"' or delimiter.isalnum():
            raise ImportFileError(
                "FILE_BAD_DELIMITER",
                f"The first line '{first[:10]}' names {delimiter!r} as the "
                "character between values, which cannot be one. Change the "
                "line to sep=; or sep=, (or remove it), then upload again.",
                line=1,
            )
        return delimiter, True
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return (best if counts[best] else ","), False


def clean(value: str) -> str:
    value = value.strip(TRIM)
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    # ASCII text holds none of them but NUL; isascii() is far cheaper than a
    # search.
    if (not value.isascii() or "\x00" in value) and UNSTORABLE.search(value):
        value = UNSTORABLE.sub("", value)
    return value


def header_key(header: str) -> str:
    return unicodedata.normalize("NFC", clean(header)).casefold()


def guess_mapping(headers: list[str]) -> list[str]:
    """Each column's field from its header; unknown headers become extras."""
    mapping = []
    for header in headers:
        key = header_key(header)
        if not key:
            mapping.append(IGNORE)
        else:
            mapping.append(ALIAS_TO_FIELD.get(key, EXTRA))
    return mapping


def check_mapping(headers: list[str], mapping: list[str]) -> None:
    """Raise ImportFileError when two columns land in one field."""
    seen: dict[str, int] = {}
    for index, (header, target) in enumerate(zip(headers, mapping, strict=True)):
        if target == IGNORE:
            continue
        key = target if target != EXTRA else "extra:" + header_key(header)
        if key in seen:
            first = seen[key]
            raise ImportFileError(
                "FILE_DUPLICATE_HEADER",
                f"Columns {first + 1} ('{clean(headers[first])}') and "
                f"{index + 1} ('{clean(header)}') both map to "
                f"{FIELD_LABELS.get(target, 'the extra field ' + repr(clean(header)))}."
                " Rename or remove one of them (or map it to another field) so "
                "no value is dropped.",
                line=1,
            )
        seen[key] = index
    if not any(clean(header) for header in headers):
        raise EMPTY_HEADER_LINE
    if "phone" not in mapping:
        raise ImportFileError(
            "FILE_MISSING_PHONE_COLUMN",
            "No column holds phone numbers. Name one column 'phone' or "
            "'Telefon' (found: "
            + ", ".join(repr(clean(h)) for h in headers if clean(h))
            + ").",
            line=1,
        )


@dataclass(slots=True)
class RawRow:
    row: int
    line: int
    values: list[str]


class CsvSource:
    """The file's header and data rows, with their physical line numbers."""

    def __init__(self, path: Path, file_format: FileFormat) -> None:
        self.path = path
        self.format = file_format
        self.header_line = 2 if file_format.sep_line else 1
        self.headers: list[str] = []

    def rows(self) -> Iterator[RawRow]:
        with open_text(self.path, self.format.encoding) as text:
            if self.format.sep_line:
                text.readline()
            reader = csv.reader(text, delimiter=self.format.delimiter, strict=True)
            offset = self.header_line - 1
            start = offset + 1
            row_number = 0
            try:
                self.headers = next(reader, [])
                if self.headers:
                    self.headers[0] = self.headers[0].lstrip("\ufeff")
                start = offset + reader.line_num + 1
                for values in reader:
                    row_number += 1
                    yield RawRow(row_number, start, values)
                    start = offset + reader.line_num + 1
            except csv.Error as error:
                raise self._structure_error(start, error) from None

    def _structure_error(self, line: int, error: csv.Error) -> ImportFileError:
        column = _open_quote_column(self.path, self.format, line)
        if column is None:
            return ImportFileError(
                "FILE_BAD_QUOTES",
                f"The row starting on line {line} cannot be read ({error}). "
                "Check its quotes: a quote inside a value must be doubled.",
                line=line,
            )
        label = ""
        if column <= len(self.headers) and clean(self.headers[column - 1]):
            label = f" ({clean(self.headers[column - 1])})"
        return ImportFileError(
            "FILE_UNTERMINATED_QUOTE",
            f"The quoted field starting on line {line}, column {column}{label} "
            'is never closed. Add the missing closing quote (") or remove the '
            "opening one, then upload again.",
            line=line,
        )


def _open_quote_column(path: Path, file_format: FileFormat, line: int) -> int | None:
    """The column whose quote, opened in the record at `line`, never closes."""
    delimiter = file_format.delimiter
    with open_text(path, file_format.encoding) as text:
        for _ in range(line - 1):
            text.readline()
        record = text.read(1 << 20)
    column, at_start, quoted, opened = 1, True, False, None
    index = 0
    while index < len(record):
        char = record[index]
        if quoted:
            if char == '"':
                if record[index + 1 : index + 2] == '"':
                    index += 1
                else:
                    quoted = False
        elif at_start and char == '"':
            quoted, opened = True, column
        elif char == delimiter:
            column += 1
        elif char in "\r\n":
            return None
        at_start = char == delimiter and not quoted
        index += 1
    return opened if quoted else None


def preview(
    path: Path, rows: int = PREVIEW_ROWS
) -> tuple[FileFormat, list[str], list[list[str]]]:
    """The file's format, headers and first rows, as the importer reads them."""
    file_format = detect_format(path)
    source = CsvSource(path, file_format)
    first: list[list[str]] = []
    for raw in source.rows():
        first.append([clean(value) for value in raw.values])
        if len(first) >= rows:
            break
    if not source.headers and first:
        raise EMPTY_HEADER_LINE
    if not source.headers:
        raise ImportFileError("FILE_EMPTY", "The file has no header line.")
    return file_format, source.headers, first


# -- Checking rows ------------------------------------------------------------


class RowError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(slots=True)
class CleanRow:
    row: int
    line: int
    values: list[str]
    fields: dict[str, str]
    extra: dict[str, str]


class RowChecker:
    def __init__(self, headers: list[str], mapping: list[str], country: str) -> None:
        self.headers = [clean(h) for h in headers]
        self.mapping = mapping
        self.country = country
        self.width = len(headers)
        self.columns = [
            (index, target) for index, target in enumerate(mapping) if target != IGNORE
        ]
        # Columns without a header, unless the manager mapped one to a field.
        self.unnamed = [
            i
            for i, h in enumerate(self.headers)
            if not h and mapping[i] in (IGNORE, EXTRA)
        ]

    def check(self, raw: RawRow) -> CleanRow | None:
        """A clean row, None for a blank one, or raise RowError."""
        values = [value.strip(TRIM) for value in raw.values]
        # What clean() does beyond trimming is needed by few rows: tested on
        # the whole row at once rather than field by field.
        joined = "\x1f".join(values)
        if "\r" in joined or (
            (not joined.isascii() or "\x00" in joined) and UNSTORABLE.search(joined)
        ):
            values = [clean(value) for value in values]
        if not any(values):
            return None
        if self.unnamed or len(values) > self.width:
            self._refuse_extra_values(values)

        fields = BLANK_FIELDS.copy()
        extra = {}
        for index, target in self.columns:
            value = values[index] if index < len(values) else ""
            if target == EXTRA:
                if value:
                    extra[self.headers[index]] = value
            else:
                fields[target] = value
        if max(map(len, values)) > SHORTEST_LIMIT:
            self._check_lengths(fields)
        fields["phone"] = self._phone(fields)
        fields["email"] = self._email(fields["email"])
        return CleanRow(raw.row, raw.line, raw.values, fields, extra)

    def _refuse_extra_values(self, values: list[str]) -> None:
        for index in [*self.unnamed, *range(self.width, len(values))]:
            if index < len(values) and values[index]:
                raise RowError(
                    "ROW_EXTRA_VALUES",
                    f"Value '{values[index]}' in column {index + 1}, which has no "
                    "header. Give the column a header, or move the value into "
                    "the right column.",
                )

    def _check_lengths(self, fields: dict[str, str]) -> None:
        for name, limit in MAX_LENGTHS.items():
            if name != "phone" and len(fields[name]) > limit:
                raise RowError(
                    "ROW_VALUE_TOO_LONG",
                    f"{FIELD_LABELS[name]} is {len(fields[name])} characters "
                    f"long; at most {limit} fit. Shorten it.",
                )

    def _phone(self, fields: dict[str, str]) -> str:
        country = fields["country"]
        region = region_for(country, self.country) if country else self.country
        try:
            return to_e164(fields["phone"], region)
        except PhoneError as error:
            raise RowError(error.code, error.message) from None

    def _email(self, value: str) -> str:
        # The value is trimmed already; the invisible characters are not ASCII.
        if not value.isascii():
            value = value.translate(INVISIBLE_TABLE).strip(TRIM)
        if not value:
            return ""
        try:
            if len(value) > 254 or not PLAIN_EMAIL.fullmatch(value):
                validate_email(value)
        except ValidationError:
            raise RowError(
                "ROW_INVALID_EMAIL",
                f"'{value}' is not a valid e-mail address. Correct it or leave "
                "the cell empty.",
            ) from None
        return value


# -- Staging and writing ----------------------------------------------------------

STAGE_FIELDS = ["row", *FIELDS, "email_key", "extra"]


@dataclass
class Counts:
    imported: int = 0
    rejected: int = 0
    duplicates: int = 0
    skipped_blank: int = 0
    rows_done: int = 0


@dataclass
class Stage:
    """Two staging tables on this connection, for one import."""

    import_id: int
    contacts: str = field(init=False)
    issues: str = field(init=False)
    # The importing thread's connection, also used by the writer thread.
    db: object = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.contacts = f"import_stage_contacts_{self.import_id}"
        self.issues = f"import_stage_issues_{self.import_id}"
        self.db = connections[DEFAULT_DB_ALIAS]

    def create(self) -> None:
        text_columns = ", ".join(
            f"{name} TEXT" for name in [*FIELDS, "email_key", "extra"]
        )
        with self.db.cursor() as cursor:
            self.drop(cursor)
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.contacts} (row INTEGER, {text_columns})"
            )
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.issues} (row INTEGER, line INTEGER,"
                " code TEXT, message TEXT, vals TEXT, match_kind TEXT,"
                " match_value TEXT)"
            )

    def drop(self, cursor=None) -> None:
        if cursor is None:
            with self.db.cursor() as cursor:
                self.drop(cursor)
            return
        cursor.execute(f"DROP TABLE IF EXISTS {self.contacts}")
        cursor.execute(f"DROP TABLE IF EXISTS {self.issues}")

    def write(
        self, contacts: list[tuple], issues: list[tuple], target: tuple | None = None
    ) -> None:
        """Append a batch.

        With `target` (pool id, import id, created at), on PostgreSQL inside
        the import's transaction, the contacts go straight into the contact
        table and only their row number and keys are staged, for naming the
        earlier row of an in-file duplicate.
        """
        contact_sql = f"{self.contacts} ({', '.join(STAGE_FIELDS)})"
        issue_sql = (
            f"{self.issues} (row, line, code, message, vals, match_kind, match_value)"
        )
        with self.db.cursor() as cursor:
            if self.db.vendor == "postgresql":
                if target is not None and contacts:
                    _copy(cursor, CONTACT_COPY, [(*target, *c[1:]) for c in contacts])
                    keys = [(c[0], c[1], c[-2]) for c in contacts]
                    _copy(cursor, f"{self.contacts} (row, phone, email_key)", keys)
                elif contacts:
                    _copy(cursor, contact_sql, contacts)
                if issues:
                    _copy(cursor, issue_sql, issues)
            else:
                for table, rows in ((contact_sql, contacts), (issue_sql, issues)):
                    if rows:
                        marks = ", ".join(["%s"] * len(rows[0]))
                        cursor.executemany(
                            f"INSERT INTO {table} VALUES ({marks})", rows
                        )


CONTACT_COLUMNS = [
    "pool_id",
    "contact_import_id",
    "created_at",
    *FIELDS,
    "email_key",
    "extra",
]
CONTACT_COPY = f"{Contact._meta.db_table} ({', '.join(CONTACT_COLUMNS)})"


def _copy(cursor, table: str, rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {table} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


class ProgressReport:
    """Saves the rows done where the upload page can see them.

    While the PostgreSQL import writes its contacts inside one long
    transaction, progress goes through a second, autocommitting connection.
    Progress is only a hint: a save that fails or would wait for a lock is
    skipped, never a reason to stop the import.
    """

    def __init__(self, import_id: int) -> None:
        self.import_id = import_id
        self.side = None

    def open_side(self) -> None:
        try:
            side = connection.get_new_connection(connection.get_connection_params())
            side.autocommit = True
            side.execute("SET lock_timeout = '200ms'")
        except Exception:
            logger.warning("no progress connection import_id=%s", self.import_id)
            return
        self.side = side

    def save(self, rows_done: int) -> None:
        if self.side is None:
            ContactImport.objects.filter(pk=self.import_id).update(rows_done=rows_done)
            return
        try:
            self.side.execute(
                f"UPDATE {ContactImport._meta.db_table} SET rows_done = %s"
                " WHERE id = %s",
                [rows_done, self.import_id],
            )
        except Exception:
            logger.warning("progress not saved import_id=%s", self.import_id)

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


@contextlib.contextmanager
def fewer_collections():
    """Run the garbage collector rarely while a file is read.

    Each row makes a few short-lived containers, and with the default
    thresholds the collector runs every few hundred rows over everything
    the process holds: a quarter of the import's CPU time. The objects made
    before the import are set aside (gc.freeze) and the youngest generation
    may grow to 100,000 objects; both are undone at the end.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


class Importer:
    """Runs one ContactImport from `path`; see the module docstring."""

    def __init__(
        self,
        contact_import: ContactImport,
        path: Path,
        on_imported: Callable[[ContactImport], None] | None = None,
    ) -> None:
        self.contact_import = contact_import
        self.path = Path(path)
        self.options = Options.from_json(contact_import.options or {})
        self.on_imported = on_imported
        self.counts = Counts()
        self.stage = Stage(contact_import.pk)
        self.progress = ProgressReport(contact_import.pk)
        # On PostgreSQL, outside a caller's transaction, reading and writing
        # share one transaction: contacts are copied into their table batch
        # by batch and the database indexes them while Python reads on.
        self.direct = connection.vendor == "postgresql" and not (
            connection.in_atomic_block
        )
        self.now = timezone.now()
        # Keys of accepted rows. Phones as integers and e-mails as 64-bit
        # hashes keep a million rows in well under 100 MB; which row held
        # the key is looked up in the staging table at the end.
        self.seen_phones: set[int] = set()
        self.seen_emails: set[int] = set()
        self.progress_saved = 0.0
        self.writer: ThreadPoolExecutor | None = None
        self.pending: tuple[Future, int] | None = None

    def run(self) -> ContactImport:
        contact_import = self.contact_import
        ContactImport.objects.filter(pk=contact_import.pk).update(
            state=ContactImport.State.RUNNING, rows_done=0, file_error=None
        )
        try:
            file_format = detect_format(self.path)
            ContactImport.objects.filter(pk=contact_import.pk).update(
                total_rows=max(file_format.lines - 1, 0)
            )
            self.stage.create()
            with fewer_collections():
                if self.direct:
                    self._read_and_commit_at_once(file_format)
                else:
                    self._read(file_format)
                    self._commit()
        except ImportFileError as error:
            self.fail(error)
        except Exception:
            logger.exception("import crashed import_id=%s", contact_import.pk)
            try:
                self.fail(CRASHED)
            except Exception:
                logger.exception(
                    "import not marked failed import_id=%s", contact_import.pk
                )
            raise
        finally:
            self.stage.drop()
        contact_import.refresh_from_db()
        logger.info(
            "import finished import_id=%s state=%s imported=%s rejected=%s"
            " duplicates=%s",
            contact_import.pk,
            contact_import.state,
            contact_import.imported,
            contact_import.rejected,
            contact_import.duplicates,
        )
        return contact_import

    def _read_and_commit_at_once(self, file_format: FileFormat) -> None:
        """Read, write and commit in one transaction; a failure rolls back
        every contact of this run.

        Batch n is copied by a writer thread on this same connection while
        this thread checks batch n + 1, so the database indexes rows while
        Python reads: the two costs overlap on two cores instead of adding
        up. The connection does one thing at a time: the next duplicate
        lookup waits for the previous write.
        """
        self.progress.open_side()
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="contact-import")
        connection.inc_thread_sharing()
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    # One import writes at a time: each checks for duplicates
                    # against committed contacts only, so two at once would
                    # both import a phone that is in both files. The lock is
                    # the transaction's: the next import starts reading once
                    # this one's contacts are committed and visible to it.
                    cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [WRITE_LOCK])
                self._clear_earlier_run()
                self._read(file_format)
                self._commit()
        finally:
            if self.pending is not None:
                # Failing already: let the write in flight end, keep the
                # first error.
                wait([self.pending[0]])
                self.pending = None
            self.writer.shutdown()
            self.writer = None
            connection.dec_thread_sharing()
            self.progress.close()

    def _clear_earlier_run(self) -> None:
        self.contact_import.contacts.all().delete()
        self.contact_import.issues.all().delete()

    def _read(self, file_format: FileFormat) -> None:
        source = CsvSource(self.path, file_format)
        checker = None
        batch: list[RawRow] = []
        batch_rows = BATCH_ROWS
        for raw in source.rows():
            if checker is None:
                checker = self._checker(source.headers)
                batch_rows = max(
                    1, min(BATCH_ROWS, BATCH_CELLS // max(1, checker.width))
                )
            batch.append(raw)
            if len(batch) >= batch_rows:
                self._process(checker, batch)
                batch = []
        if checker is None:
            if not source.headers:
                raise ImportFileError("FILE_EMPTY", "The file has no header line.")
            checker = self._checker(source.headers)
        self._process(checker, batch)
        self._finish_write()

    def _checker(self, headers: list[str]) -> RowChecker:
        self.contact_import.options["headers"] = [clean(h) for h in headers]
        mapping = self.options.mapping
        if mapping is None or len(mapping) != len(headers):
            mapping = guess_mapping(headers)
        check_mapping(headers, mapping)
        return RowChecker(headers, mapping, self.options.default_country)

    def _process(self, checker: RowChecker, batch: list[RawRow]) -> None:
        issues: list[tuple] = []
        candidates: list[CleanRow] = []
        for raw in batch:
            try:
                row = checker.check(raw)
            except RowError as error:
                issues.append(_issue(raw, error.code, error.message))
                self.counts.rejected += 1
                continue
            if row is None:
                self.counts.skipped_blank += 1
            else:
                candidates.append(row)

        # The lookup goes first: on PostgreSQL it runs on the second
        # connection while the writer thread still copies the last batch.
        existing = self._existing(candidates)
        self._finish_write()
        contacts = self._dedupe(candidates, issues, existing)
        target = None
        if self.direct:
            # As text once: COPY reads text, and dumping the same three
            # values for every row is a measurable share of the import.
            target = (
                str(self.contact_import.pool_id),
                str(self.contact_import.pk),
                self.now.isoformat(),
            )
        if self.writer is None:
            self.stage.write(contacts, issues, target)
            self._written(len(batch))
        else:
            job = self.writer.submit(self.stage.write, contacts, issues, target)
            self.pending = (job, len(batch))

    def _finish_write(self) -> None:
        """Wait for the batch in the writer thread; raise what it raised."""
        if self.pending is not None:
            job, rows = self.pending
            self.pending = None
            job.result()
            self._written(rows)

    def _written(self, rows: int) -> None:
        """Count a batch as done once its rows are in the database."""
        self.counts.rows_done += rows
        # Each save is a commit that waits for the disk; once a second is
        # plenty for a progress bar polled every second.
        if time.monotonic() - self.progress_saved >= PROGRESS_EVERY_SECONDS:
            self.progress.save(self.counts.rows_done)
            self.progress_saved = time.monotonic()

    def _dedupe(
        self, rows: list[CleanRow], issues: list[tuple], existing: tuple[dict, dict]
    ) -> list[tuple]:
        existing_phones, existing_emails = existing
        contacts = []
        for row in rows:
            phone = row.fields["phone"]
            email_key = row.fields["email"].lower()
            match = existing_phones.get(phone) or existing_emails.get(email_key)
            if match:
                kind = "phone" if phone in existing_phones else "e-mail"
                issues.append(
                    _issue(
                        row,
                        "ROW_DUPLICATE_EXISTING",
                        (
                            f"Same {kind} as contact #{match[0]} ({match[1]}) in pool "
                            f"'{match[2]}'; this row was not imported."
                        ),
                    )
                )
                self.counts.duplicates += 1
                continue
            phone_key = int(phone[1:])
            email_hash = hash(email_key) if email_key else None
            if phone_key in self.seen_phones:
                issues.append(_issue(row, "ROW_DUPLICATE_IN_FILE", "", "phone", phone))
                self.counts.duplicates += 1
                continue
            if email_hash is not None and email_hash in self.seen_emails:
                issues.append(
                    _issue(row, "ROW_DUPLICATE_IN_FILE", "", "email", email_key)
                )
                self.counts.duplicates += 1
                continue
            self.seen_phones.add(phone_key)
            if email_hash is not None:
                self.seen_emails.add(email_hash)
            contacts.append(
                (
                    row.row,
                    *field_values(row.fields),
                    email_key,
                    json.dumps(row.extra, ensure_ascii=False) if row.extra else "{}",
                )
            )
            self.counts.imported += 1
        return contacts

    def _existing(self, rows: list[CleanRow]) -> tuple[dict, dict]:
        """Contacts of the checked pools that share a phone or an e-mail."""
        pool_ids = self.options.check_pool_ids
        if not rows or pool_ids == []:
            return {}, {}
        phones = {row.fields["phone"] for row in rows}
        emails = {row.fields["email"].lower() for row in rows} - {""}
        found = self._existing_query(phones, emails, pool_ids)
        by_phone: dict = {}
        by_email: dict = {}
        for pk, phone, email_key, first, last, name, company, pool in found:
            label = f"{first} {last}".strip() or name or company or phone
            by_phone.setdefault(phone, (pk, label, pool))
            if email_key:
                by_email.setdefault(email_key, (pk, label, pool))
        return by_phone, by_email

    def _existing_query(self, phones: set, emails: set, pool_ids: list | None):
        if connection.vendor == "postgresql":
            # One space-separated text per key (E.164 phones and checked
            # e-mails hold no spaces): IN lists or arrays of ten thousand
            # values cost more to send than the query takes to run.
            pools = "" if pool_ids is None else " AND c.pool_id = ANY(%s)"
            pool_params = [] if pool_ids is None else [pool_ids]
            # The keys drive the lookup: one index probe per key. Inside the
            # import's transaction the contact table grows by the rows just
            # copied, which its statistics do not know, and left to itself
            # the planner walks a whole index per batch instead; so for this
            # statement only index probes in a nested loop are allowed.
            # The probe sits in a LATERAL sub-select fenced by OFFSET 0, so
            # the only index it can use is the key's: on a fresh database the
            # statistics call the table empty, and a plan that reads the
            # checked pools instead turns quadratic as the import's own
            # (uncommitted, still scanned) rows pile up.
            select = (
                "SELECT c.id, c.phone, c.email_key, c.first_name, c.last_name,"
                " c.name, c.company, p.name"
                " FROM unnest(string_to_array(%s, ' ')) AS k(key)"
                f" CROSS JOIN LATERAL (SELECT * FROM {Contact._meta.db_table} c"
                " WHERE {probe} OFFSET 0) c"
                f" JOIN {LeadPool._meta.db_table} p ON p.id = c.pool_id"
                " WHERE c.contact_import_id IS DISTINCT FROM %s"
            )
            by_email = "c.email_key = k.key AND c.email_key <> ''"
            sql = (
                f"{select.format(probe='c.phone = k.key')}{pools}"
                f" UNION {select.format(probe=by_email)}{pools} ORDER BY 1"
            )
            params = [
                " ".join(phones),
                self.contact_import.pk,
                *pool_params,
                " ".join(emails),
                self.contact_import.pk,
                *pool_params,
            ]
            # No bitmap scans either: the phone's trigram index (for the
            # pool page's partial search) also answers "=", but at
            # milliseconds a probe where the B-tree takes microseconds.
            planner = (
                "enable_seqscan",
                "enable_hashjoin",
                "enable_mergejoin",
                "enable_bitmapscan",
            )
            # A batch's lookup is estimated costly enough for JIT, whose
            # compiling takes longer than the index probes it speeds up.
            settings = ("jit", *planner)

            def probe(cursor) -> list[tuple]:
                for setting in settings:
                    cursor.execute(f"SET LOCAL {setting} = off")
                cursor.execute(sql, params)
                return cursor.fetchall()

            side = self.progress.side
            if side is not None:
                # Existing contacts are committed ones, which the second
                # connection sees too, and it is free while the writer
                # thread holds the import's connection.
                with side.transaction(), side.cursor() as cursor:
                    return probe(cursor)
            with transaction.atomic(), connection.cursor() as cursor:
                found = probe(cursor)
                # SET LOCAL lasts to the end of the import's transaction.
                for setting in settings:
                    cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
                return found
        contacts = Contact.objects.exclude(contact_import=self.contact_import)
        if pool_ids is not None:
            contacts = contacts.filter(pool_id__in=pool_ids)
        return (
            contacts.filter(Q(phone__in=phones) | Q(email_key__in=emails))
            .values_list(
                "id",
                "phone",
                "email_key",
                "first_name",
                "last_name",
                "name",
                "company",
                "pool__name",
            )
            .order_by("id")
        )

    @transaction.atomic
    def _commit(self) -> None:
        contact_import = self.contact_import
        with connection.cursor() as cursor:
            if not self.direct:
                self._clear_earlier_run()
                self._insert_contacts(cursor)
            self._insert_issues(cursor)
        counts = self.counts
        ContactImport.objects.filter(pk=contact_import.pk).update(
            state=ContactImport.State.DONE,
            finished_at=timezone.now(),
            imported=counts.imported,
            rejected=counts.rejected,
            duplicates=counts.duplicates,
            skipped_blank=counts.skipped_blank,
            rows_done=counts.rows_done,
            total_rows=counts.rows_done,
            file_error=None,
            options=contact_import.options,
        )
        if self.on_imported is not None:
            contact_import.refresh_from_db()
            self.on_imported(contact_import)

    def _insert_contacts(self, cursor) -> None:
        extra = "CAST(extra AS jsonb)" if connection.vendor == "postgresql" else "extra"
        columns = ", ".join(FIELDS)
        cursor.execute(
            f"INSERT INTO {Contact._meta.db_table} (pool_id, contact_import_id,"
            f" created_at, {columns}, email_key, extra)"
            f" SELECT %s, %s, %s, {columns}, email_key, {extra}"
            f" FROM {self.stage.contacts} ORDER BY row",
            [self.contact_import.pool_id, self.contact_import.pk, self.now],
        )

    def _insert_issues(self, cursor) -> None:
        stage = self.stage
        # The accepted row that an in-file duplicate repeats: accepted rows
        # have unique phones and e-mail keys, so there is exactly one. Two
        # equality joins let PostgreSQL hash the few duplicates instead of
        # indexing a million staged rows.
        earlier = "COALESCE(by_phone.row, by_email.row)"
        vals = (
            "CAST(i.vals AS jsonb)" if connection.vendor == "postgresql" else "i.vals"
        )
        message = (
            "CASE WHEN i.match_kind IS NULL THEN i.message ELSE"
            " 'Same ' || CASE i.match_kind WHEN 'phone' THEN 'phone'"
            f" ELSE 'e-mail' END || ' as row ' || CAST({earlier} AS TEXT)"
            " || ' of this file; this row was not imported.' END"
        )
        if connection.vendor == "sqlite":
            cursor.execute(
                f"CREATE INDEX {stage.contacts}_phone ON {stage.contacts} (phone)"
            )
            cursor.execute(
                f"CREATE INDEX {stage.contacts}_email ON {stage.contacts} (email_key)"
            )
        cursor.execute(
            f"INSERT INTO {ImportIssue._meta.db_table} (contact_import_id, row,"
            ' line, code, message, "values")'
            f" SELECT %s, i.row, i.line, i.code, {message}, {vals}"
            f" FROM {stage.issues} i"
            f" LEFT JOIN {stage.contacts} by_phone ON i.match_kind = 'phone'"
            " AND by_phone.phone = i.match_value"
            f" LEFT JOIN {stage.contacts} by_email ON i.match_kind = 'email'"
            " AND by_email.email_key = i.match_value"
            " ORDER BY i.row",
            [self.contact_import.pk],
        )

    def fail(self, error: ImportFileError) -> None:
        with transaction.atomic():
            self.contact_import.contacts.all().delete()
            self.contact_import.issues.all().delete()
            ContactImport.objects.filter(pk=self.contact_import.pk).update(
                state=ContactImport.State.FAILED,
                finished_at=timezone.now(),
                imported=0,
                rejected=0,
                duplicates=0,
                skipped_blank=0,
                file_error=error.as_dict(),
            )
            if error is not CRASHED:
                # A crash may be retried; a rejected file never is.
                _drop_new_pool(self.contact_import)
        logger.info(
            "import rejected import_id=%s code=%s line=%s",
            self.contact_import.pk,
            error.code,
            error.line,
        )


def _issue(
    row, code: str, message: str, kind: str | None = None, value: str | None = None
) -> tuple:
    return (
        row.row,
        row.line,
        code,
        message,
        # The values as the file had them, less what is never stored.
        json.dumps(
            [UNSTORABLE.sub("", value) for value in row.values], ensure_ascii=False
        ),
        kind,
        value,
    )


NEW_POOL = "new_pool"


def _drop_new_pool(contact_import: ContactImport) -> None:
    """Remove the pool made for an upload whose file was rejected as a whole.

    The upload stays listed, naming the pool it asked for. The pool goes
    only while nothing else uses it: an import started into it meanwhile
    keeps it.
    """
    name = contact_import.options.get(NEW_POOL)
    pool_id = contact_import.pool_id
    if not name or pool_id is None:
        return
    ContactImport.objects.filter(pk=contact_import.pk).update(pool=None)
    contact_import.pool = None
    LeadPool.objects.filter(pk=pool_id).exclude(
        Exists(Contact.objects.filter(pool=OuterRef("pk")))
    ).exclude(Exists(ContactImport.objects.filter(pool=OuterRef("pk")))).delete()


def fail_import(contact_import: ContactImport, error: ImportFileError) -> None:
    """Mark an import rejected as a whole, removing anything it wrote."""
    Importer(contact_import, Path(".")).fail(error)


def run_import(
    contact_import: ContactImport,
    path: Path | None = None,
    on_imported: Callable[[ContactImport], None] | None = None,
) -> ContactImport:
    """Import `contact_import`'s file (or `path`); safe to run again."""
    if path is None:
        path = Path(contact_import.file.path)
    return Importer(contact_import, path, on_imported).run()


def pool_named(name: str) -> LeadPool:
    pool, _ = LeadPool.objects.get_or_create(name=name.strip())
    return pool
