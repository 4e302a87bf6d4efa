from zoneinfo import ZoneInfo

from django import forms

from adversus.models import User
from campaigns.models import (
    CALLBACK_STATUSES,
    OWNED_CALLBACK_STATUSES,
    RESULT_STATUSES,
    Campaign,
    Status,
)
from dialer.services import InvalidCallbackTime, parse_callback_time

RESULT_CHOICES = [(status.value, status.label) for status in RESULT_STATUSES]


class ResultForm(forms.Form):
    """The phoner's result for one call; the status comes from the button."""

    status = forms.ChoiceField(
        choices=RESULT_CHOICES,
        error_messages={"required": "Pick a result with one of the buttons."},
    )
    callback_at = forms.CharField(
        required=False,
        label="Call back at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Callback owner",
        empty_label="Me",
        help_text="Private and VIP callbacks only.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, campaign: Campaign, zone: ZoneInfo, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.fields["owner"].queryset = campaign.phoners.order_by(
            "first_name", "username"
        )

    def clean_callback_at(self):
        value = self.cleaned_data["callback_at"].strip()
        if not value:
            return None
        try:
            return parse_callback_time(value, self.zone)
        except InvalidCallbackTime as error:
            raise forms.ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        missing_time = cleaned.get("callback_at") is None
        if (
            status in CALLBACK_STATUSES
            and missing_time
            and "callback_at" not in self.errors
        ):
            label = Status(status).label
            self.add_error(
                "callback_at", f"{label} needs a time: pick when to call back."
            )
        if status not in OWNED_CALLBACK_STATUSES:
            cleaned["owner"] = None
        return cleaned
