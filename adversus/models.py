from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class User(AbstractUser):
    """A person who logs in; the role decides what they may do."""

    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MANAGER = "manager", "Manager"
        PHONER = "phoner", "Phoner"

    role = models.CharField(max_length=16, choices=Role, default=Role.PHONER)

    @property
    def is_admin(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def is_manager(self) -> bool:
        """Managers and admins run pools, uploads and campaigns."""
        return self.is_admin or self.role == self.Role.MANAGER

    @property
    def is_phoner(self) -> bool:
        return self.role == self.Role.PHONER

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ClientSettings(models.Model):
    """Account-wide settings; there is exactly one row (pk=1)."""

    release_unsolved_after_hours = models.PositiveIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="A lead opened by a phoner without a saved result goes back "
        "to its former status after this many hours.",
    )
    release_unsolved_enabled = models.BooleanField(
        default=True,
        help_text="Turn off to keep unsolved leads held until a manager releases them.",
    )
    release_unsolved_every_minutes = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="How often the background job looks for leads to release.",
    )
    release_unsolved_last_run_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the background job last released unsolved leads.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="Europe/Copenhagen",
        help_text="Callback times are entered and shown in this zone.",
    )

    class Meta:
        verbose_name = "client settings"
        verbose_name_plural = "client settings"

    def __str__(self) -> str:
        return "Client settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "ClientSettings":
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings
