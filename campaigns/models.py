from datetime import timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from leads.models import Contact, LeadPool


class Status(models.TextChoices):
    UNPROCESSED = "unprocessed", "Unprocessed"
    AUTOMATIC_REDIAL = "automatic_redial", "Automatic redial"
    COMMON_REDIAL = "common_redial", "Common callback"
    PRIVATE_REDIAL = "private_redial", "Private callback"
    VIP_REDIAL = "vip_redial", "VIP callback"
    SUCCESS = "success", "Success"
    NOT_INTERESTED = "not_interested", "Not interested"
    UNQUALIFIED = "unqualified", "Unqualified"
    INVALID = "invalid", "Invalid"
    UNSOLVED = "unsolved", "Unsolved"


OPEN_STATUSES = (
    Status.UNPROCESSED,
    Status.AUTOMATIC_REDIAL,
    Status.COMMON_REDIAL,
    Status.PRIVATE_REDIAL,
    Status.VIP_REDIAL,
)
CLOSED_STATUSES = (
    Status.SUCCESS,
    Status.NOT_INTERESTED,
    Status.UNQUALIFIED,
    Status.INVALID,
)
CALLBACK_STATUSES = (Status.COMMON_REDIAL, Status.PRIVATE_REDIAL, Status.VIP_REDIAL)
OWNED_CALLBACK_STATUSES = (Status.PRIVATE_REDIAL, Status.VIP_REDIAL)
# What a phoner may save as a call's result.
RESULT_STATUSES = (
    Status.AUTOMATIC_REDIAL,
    *CALLBACK_STATUSES,
    *CLOSED_STATUSES,
)


class Campaign(models.Model):
    name = models.CharField(max_length=200, unique=True)
    max_contact_attempts = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text="A lead with this many attempts is closed whatever its status.",
    )
    redial_delay_minutes = models.PositiveIntegerField(
        default=120,
        help_text="An automatic redial comes back after this many minutes.",
    )
    callback_handover_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Hand a private or VIP callback to the whole team when it is "
        "this many hours overdue. Empty: never.",
    )
    phoners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="campaigns"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def redial_delay(self) -> timedelta:
        return timedelta(minutes=self.redial_delay_minutes)


class Lead(models.Model):
    """A contact in a campaign, with the campaign's state of it."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="leads"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="leads")
    status = models.CharField(max_length=20, choices=Status, default=Status.UNPROCESSED)
    former_status = models.CharField(
        max_length=20,
        choices=Status,
        blank=True,
        help_text="The status before a phoner opened it (while unsolved).",
    )
    contact_attempts = models.PositiveIntegerField(default=0)
    next_contact_at = models.DateTimeField(
        null=True, blank=True, help_text="Not served before this time."
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_leads",
    )
    held_since = models.DateTimeField(null=True, blank=True)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    last_contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "contact"], name="lead_contact_once_per_campaign"
            )
        ]
        indexes = [
            models.Index(
                fields=["campaign", "id"],
                name="lead_unprocessed_idx",
                condition=Q(status="unprocessed"),
            ),
            models.Index(
                fields=["campaign", "owner", "next_contact_at", "id"],
                name="lead_owned_callback_idx",
                condition=Q(status__in=["private_redial", "vip_redial"]),
            ),
            models.Index(
                fields=["campaign", "status", "next_contact_at", "id"],
                name="lead_shared_redial_idx",
                condition=Q(status__in=["common_redial", "automatic_redial"]),
            ),
            models.Index(
                fields=["held_since"],
                name="lead_held_idx",
                condition=Q(status="unsolved"),
            ),
            models.Index(fields=["campaign", "status", "id"], name="lead_status_idx"),
            # The manager's leads table sorts on these, ending on the id.
            models.Index(fields=["campaign", "id"], name="lead_campaign_order_idx"),
            models.Index(
                fields=["campaign", "contact_attempts", "id"],
                name="lead_attempts_idx",
            ),
            models.Index(
                fields=["campaign", "next_contact_at", "id"],
                name="lead_next_contact_idx",
            ),
            # Statistics: one index-only GROUP BY status, attempts; also the
            # leads table filtered by status and sorted by attempts.
            models.Index(
                fields=["campaign", "status", "contact_attempts", "id"],
                name="lead_status_attempts_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} in {self.campaign}"

    @property
    def is_open(self) -> bool:
        return (
            self.status in OPEN_STATUSES
            and self.contact_attempts < self.campaign.max_contact_attempts
        )


class PoolCampaign(models.Model):
    """The campaign has leads made from contacts of the pool.

    Kept by `services.add_contacts_to_campaign` and `services.relink_pools`
    so that the pool list counts each pool's campaigns from a few rows
    instead of joining millions of leads to their contacts.
    """

    pool = models.ForeignKey(
        LeadPool, on_delete=models.CASCADE, related_name="campaign_links"
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="pool_links"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "campaign"], name="pool_campaign_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pool} in {self.campaign}"


class LeadEvent(models.Model):
    """One change on a lead, kept as its history."""

    class Kind(models.TextChoices):
        SERVED = "served", "Opened by phoner"
        RESULT = "result", "Result saved"
        RELEASED = "released", "Released automatically"
        MANAGER = "manager", "Changed by manager"
        HANDOVER = "handover", "Callback handed to the team"
        CREATED = "created", "Added to campaign"

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text="Empty: done by the system.",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    from_status = models.CharField(max_length=20, choices=Status, blank=True)
    to_status = models.CharField(max_length=20, choices=Status, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["lead", "-created_at"], name="event_lead_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.from_status} → {self.to_status}"


class LeadRemoval(models.Model):
    """One run of the duplicate check's removal: who, when, and what went.

    The removed leads are gone (their events with them), so what they were
    is kept here; their contacts are never deleted.
    """

    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    campaigns = models.ManyToManyField(Campaign, related_name="lead_removals")
    checked_leads = models.PositiveIntegerField()
    removed_count = models.PositiveIntegerField()
    removed = models.JSONField(
        default=list,
        help_text="One entry per removed lead: lead, contact, campaign, status "
        "and the lead kept in its place.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.removed_count} duplicate leads removed"
