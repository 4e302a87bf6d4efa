from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class LeadPool(models.Model):
    """A named collection of contacts, filled by CSV upload."""

    class Purpose(models.TextChoices):
        CAMPAIGNS = "campaigns", "Feeds campaigns"
        REFERENCE = "reference", "Reference list for the duplicate check"

    name = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(
        max_length=16, choices=Purpose, default=Purpose.CAMPAIGNS
    )
    is_default = models.BooleanField(
        default=False,
        help_text="Files uploaded straight into a campaign land in this pool.",
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="one_default_pool",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Uploads into a campaign land in the default pool; a deactivated
        # default pool would silently refuse every one of them.
        if self.is_default and not self.is_active:
            raise ValidationError(
                {
                    "is_active": "The default contact pool cannot be "
                    "deactivated: files uploaded straight into a campaign "
                    "land in it."
                }
            )

    def impact(self) -> dict[str, int]:
        """What deleting or deactivating the pool touches, counted in SQL."""
        counts = self.contacts.aggregate(
            contact_count=models.Count("id", distinct=True),
            lead_count=models.Count("leads", distinct=True),
            campaign_count=models.Count("leads__campaign", distinct=True),
        )
        return {
            "contacts": counts["contact_count"],
            "leads": counts["lead_count"],
            "campaigns": counts["campaign_count"],
        }

    @classmethod
    def default(cls) -> "LeadPool":
        pool = cls.objects.filter(is_default=True).first()
        if pool is None:
            pool, _ = cls.objects.get_or_create(
                name="Default contact pool", defaults={"is_default": True}
            )
        return pool


class Contact(models.Model):
    """What is known about one person or company; lives in one pool."""

    # No index of its own: contact_pool_idx (pool, id) serves every lookup
    # by pool, and one index less speeds up million-row imports.
    pool = models.ForeignKey(
        LeadPool, on_delete=models.CASCADE, related_name="contacts", db_index=False
    )
    phone = models.CharField(max_length=20, help_text="E.164, e.g. +4520123456")
    email = models.CharField(max_length=254, blank=True)
    email_key = models.CharField(
        max_length=254,
        blank=True,
        editable=False,
        help_text="Lower-cased e-mail used by the duplicate check.",
    )
    first_name = models.CharField(max_length=200, blank=True)
    last_name = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=400, blank=True)
    company = models.CharField(max_length=400, blank=True)
    address = models.CharField(max_length=400, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    extra = models.JSONField(
        default=dict,
        blank=True,
        help_text="Columns of the uploaded file that map to no field.",
    )
    # No database constraint: the import writes this link itself, for rows
    # it has just created in the same transaction, and a per-row check of a
    # million new rows at COMMIT costs seconds. Deleting an import through
    # Django still clears the link (on_delete=SET_NULL runs in the ORM).
    contact_import = models.ForeignKey(
        "ContactImport",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        db_constraint=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["phone"], name="contact_phone_idx"),
            models.Index(
                fields=["email_key"],
                name="contact_email_key_idx",
                condition=~Q(email_key=""),
            ),
            models.Index(fields=["pool", "id"], name="contact_pool_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.phone

    def save(self, *args, **kwargs) -> None:
        self.email_key = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        return full or self.name or self.company


class ContactImport(models.Model):
    """One uploaded file and what importing it did."""

    class State(models.TextChoices):
        PREVIEW = "preview", "Waiting for the column mapping"
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Importing"
        DONE = "done", "Done"
        FAILED = "failed", "File rejected"

    # Empty while the manager still chooses the target in the web upload.
    pool = models.ForeignKey(
        LeadPool,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="imports",
    )
    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=16, choices=State, default=State.PENDING)
    options = models.JSONField(
        default=dict,
        blank=True,
        help_text="Default country, column mapping and pools to check against.",
    )
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    skipped_blank = models.PositiveIntegerField(default=0)
    file_error = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.pool or 'no pool chosen yet'}"


class ImportIssue(models.Model):
    """A row of an import that was rejected or skipped as a duplicate."""

    contact_import = models.ForeignKey(
        ContactImport, on_delete=models.CASCADE, related_name="issues"
    )
    row = models.PositiveIntegerField(help_text="Data row, 1-based, header not counted")
    line = models.PositiveIntegerField(help_text="Physical line in the file")
    code = models.CharField(max_length=64)
    message = models.TextField()
    values = models.JSONField(default=list, help_text="The row's original values")

    class Meta:
        ordering = ["row"]

    def __str__(self) -> str:
        return f"row {self.row}: {self.code}"
