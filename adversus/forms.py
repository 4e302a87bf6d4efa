from zoneinfo import available_timezones

from django import forms

from adversus.models import ClientSettings


def _zone_choices() -> list[tuple[str, str]]:
    """Region/City zones and UTC; the database's aliases would only confuse."""
    zones = [
        zone
        for zone in available_timezones()
        if zone == "UTC" or ("/" in zone and not zone.startswith(("Etc/", "SystemV/")))
    ]
    return [(zone, zone) for zone in sorted(zones)]


class ClientSettingsForm(forms.ModelForm):
    """What a manager may change; the bounds come from the model."""

    time_zone = forms.ChoiceField(
        choices=_zone_choices,
        help_text="Callback times are entered and shown in this zone.",
    )

    class Meta:
        model = ClientSettings
        fields = [
            "release_unsolved_enabled",
            "release_unsolved_after_hours",
            "release_unsolved_every_minutes",
            "time_zone",
        ]
        labels = {
            "release_unsolved_enabled": "Release unsolved leads automatically",
            "release_unsolved_after_hours": "Release unsolved leads after (hours)",
            "release_unsolved_every_minutes": "Look for leads to release every "
            "(minutes)",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The browser checks the model's bounds before the server does.
        hours = self.fields["release_unsolved_after_hours"]
        hours.widget.attrs.update(min=1, max=24 * 30)
        minutes = self.fields["release_unsolved_every_minutes"]
        minutes.widget.attrs.update(min=1, max=24 * 60)

    def save(self, commit: bool = True) -> ClientSettings:
        """Write only the form's fields: the release job writes its last run
        time on the same row, and a full save would put back a stale one."""
        client_settings = super().save(commit=False)
        if commit:
            client_settings.save(update_fields=self._meta.fields)
        return client_settings
