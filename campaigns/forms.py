"""Forms of the manager's campaign pages."""

from django import forms
from django.db.models import QuerySet

from adversus.clock import (
    InvalidLocalTime,
    client_time_zone,
    parse_local_time,
    within_calendar,
)
from adversus.models import User
from campaigns.models import CLOSED_STATUSES, OPEN_STATUSES, Campaign
from leads.forms import paused_campaign_error


def phoners() -> QuerySet[User]:
    return User.objects.filter(role=User.Role.PHONER, is_active=True).order_by(
        "username"
    )


class CampaignForm(forms.ModelForm):
    # A lead is open while its attempts are below this maximum, so 0 would
    # close every lead before its first call.
    max_contact_attempts = forms.IntegerField(
        min_value=1,
        initial=5,
        label="Max contact attempts",
        help_text="A lead with this many attempts is closed whatever its status.",
        error_messages={
            "min_value": "Allow at least 1 contact attempt: a lead is closed "
            "once it has this many, so 0 would close every lead before its "
            "first call.",
        },
    )

    class Meta:
        model = Campaign
        fields = (
            "name",
            "max_contact_attempts",
            "redial_delay_minutes",
            "callback_handover_hours",
            "phoners",
            "is_active",
        )
        widgets = {"phoners": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phoners"].queryset = phoners()
        self.fields["phoners"].help_text = "Only users with the phoner role."


class LeadStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=[(s.value, s.label) for s in (*OPEN_STATUSES, *CLOSED_STATUSES)]
    )
    next_contact_at = forms.CharField(
        required=False,
        label="Next contact",
        help_text="For callbacks and redials, in the client's time zone; empty: now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_next_contact_at(self):
        """The phoner's rule: a time the clock change skips or repeats is
        refused with a message, never shifted by an hour."""
        value = self.cleaned_data["next_contact_at"].strip()
        if not value:
            return None
        try:
            return parse_local_time(value, client_time_zone())
        except InvalidLocalTime as error:
            raise forms.ValidationError(str(error)) from None


class LeadOwnerForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, empty_label="Nobody"
    )
    note = forms.CharField(required=False)

    def __init__(self, *args, campaign: Campaign, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = campaign.phoners.order_by(
            "first_name", "last_name", "id"
        )


class ActiveCampaignChoiceField(forms.ModelChoiceField):
    """One of the active campaigns; a paused one is refused by name."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError:
            error = paused_campaign_error(value)
            if error is not None:
                raise error from None
            raise


class AddPoolForm(forms.Form):
    # No campaign is preselected: adding a pool to the wrong campaign puts
    # its contacts in front of that campaign's phoners at once.
    campaign = ActiveCampaignChoiceField(
        queryset=Campaign.objects.filter(is_active=True).order_by("name"),
        empty_label="— choose a campaign —",
        error_messages={
            "required": "Choose the campaign the contacts should go to.",
            "invalid_choice": "That campaign no longer exists; choose one "
            "from the list.",
        },
    )


class DuplicateCheckForm(forms.Form):
    campaigns = forms.ModelMultipleChoiceField(
        queryset=Campaign.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text="Leads are compared across all the campaigns chosen.",
    )


class PeriodForm(forms.Form):
    start = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
        error_messages={"invalid": "The start is not a date (write e.g. 2026-05-04)."},
    )
    end = forms.DateField(
        required=False,
        label="End (inclusive)",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[within_calendar],
        error_messages={"invalid": "The end is not a date (write e.g. 2026-05-04)."},
    )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise forms.ValidationError("The end date must be on or after the start.")
        return data

    def problem(self) -> str:
        """What was wrong with the period asked for, when it was refused."""
        if not self.is_bound or self.is_valid():
            return ""
        errors = [error for errors in self.errors.values() for error in errors]
        return " ".join(errors)
