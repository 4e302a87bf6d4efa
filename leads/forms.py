"""Forms of the contact upload: the file, then where and how to import it."""

from django import forms
from django.apps import apps
from django.conf import settings

from leads.importing import (
    EXTRA,
    FIELD_LABELS,
    FIELDS,
    IGNORE,
    ImportFileError,
    check_mapping,
)
from leads.models import LeadPool
from leads.phones import DEFAULT_COUNTRY, REGIONS

MAPPING_CHOICES = [
    *((name, FIELD_LABELS[name]) for name in FIELDS),
    (EXTRA, "Keep as extra field"),
    (IGNORE, "Ignore"),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        error_messages={
            "empty": "The file is empty. Choose a CSV file with a header line "
            "and at least one contact.",
            "required": "Choose a CSV file to upload.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_MB
        if upload.size > limit * 2**20:
            raise forms.ValidationError(
                f"The file is {upload.size / 2**20:.1f} MB; at most {limit} MB can "
                "be uploaded. Split it into smaller files."
            )
        return upload


def campaign_model():
    """Looked up by name, so that leads does not import campaigns."""
    return apps.get_model("campaigns", "Campaign")


def campaign_choices() -> list[tuple[str, str]]:
    """Active campaigns only: a paused one serves no phoner its new leads."""
    campaigns = (
        campaign_model()
        .objects.filter(is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )
    return [("", "— none, import into the pool —")] + [
        (str(pk), name) for pk, name in campaigns
    ]


def paused_campaign_error(value) -> forms.ValidationError | None:
    """The error naming the paused campaign whose id is `value`, if it is one."""
    if not (str(value).isdigit() and len(str(value)) < 10):
        return None
    paused = campaign_model().objects.filter(pk=value, is_active=False)
    name = paused.values_list("name", flat=True).first()
    if name is None:
        return None
    return forms.ValidationError(
        f"“{name}” is not active. Activate it on its settings page first, or "
        "choose an active campaign.",
        code="inactive_campaign",
    )


class ActiveCampaignField(forms.ChoiceField):
    """A campaign among the active ones; a paused one is refused by name."""

    def validate(self, value) -> None:
        if value and not self.valid_value(value):
            error = paused_campaign_error(value)
            if error is not None:
                raise error
        super().validate(value)


class ImportOptionsForm(forms.Form):
    """Target, default country, duplicate check and one select per column."""

    CHECK_CHOICES = [
        ("all", "All pools"),
        ("chosen", "Only the pools chosen below"),
        ("none", "No duplicate check against existing pools"),
    ]

    campaign = ActiveCampaignField(
        required=False,
        error_messages={
            "invalid_choice": "That campaign no longer exists; choose one "
            "from the list."
        },
        help_text="The contacts go into the default contact pool and become "
        "leads of this campaign.",
    )
    pool = forms.ModelChoiceField(
        queryset=LeadPool.objects.all(),
        required=False,
        empty_label="— a new pool —",
    )
    new_pool_name = forms.CharField(required=False, max_length=200)
    default_country = forms.ChoiceField(
        choices=[(code, code) for code in sorted(REGIONS)],
        initial=DEFAULT_COUNTRY,
        help_text="For numbers without + or 00 when the row has no country.",
    )
    check_against = forms.ChoiceField(
        choices=CHECK_CHOICES, initial="all", widget=forms.RadioSelect
    )
    check_pools = forms.ModelMultipleChoiceField(
        queryset=LeadPool.objects.all(), required=False
    )

    def __init__(self, *args, headers: list[str], mapping: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        self.fields["campaign"].choices = campaign_choices()
        for index, target in enumerate(mapping):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                choices=MAPPING_CHOICES,
                initial=target,
                label=headers[index] or f"(column {index + 1}, no header)",
            )

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(len(self.headers))]

    def mapping(self) -> list[str]:
        return [
            self.cleaned_data[f"column_{index}"] for index in range(len(self.headers))
        ]

    def clean(self):
        data = super().clean()
        if any(f"column_{i}" not in data for i in range(len(self.headers))):
            return data
        try:
            check_mapping(self.headers, self.mapping())
        except ImportFileError as error:
            raise forms.ValidationError(error.message) from None
        if data.get("campaign") and (
            data.get("pool") or (data.get("new_pool_name") or "").strip()
        ):
            self.add_error(
                "campaign",
                "Choose a campaign or a pool, not both: a file uploaded into a "
                "campaign puts its contacts in the default contact pool.",
            )
        chose_nothing = not data.get("campaign") and not data.get("pool")
        if chose_nothing and "campaign" not in self.errors:
            name = (data.get("new_pool_name") or "").strip()
            if not name:
                self.add_error(
                    "new_pool_name", "Choose a pool or a campaign, or name a new pool."
                )
            elif LeadPool.objects.filter(name__iexact=name).exists():
                self.add_error(
                    "new_pool_name", "A pool with this name exists; choose it above."
                )
        if data.get("check_against") == "chosen" and not data.get("check_pools"):
            self.add_error("check_pools", "Choose at least one pool to check against.")
        return data

    def creates_pool(self) -> bool:
        data = self.cleaned_data
        return not data.get("campaign") and not data.get("pool")

    def target_pool(self) -> LeadPool:
        data = self.cleaned_data
        if data.get("campaign"):
            return LeadPool.default()
        if data.get("pool"):
            return data["pool"]
        return LeadPool.objects.create(name=data["new_pool_name"].strip())

    def import_options(self) -> dict:
        data = self.cleaned_data
        check = data["check_against"]
        check_pool_ids = {
            "all": None,
            "none": [],
            "chosen": [pool.pk for pool in data["check_pools"]],
        }[check]
        campaign_id = int(data["campaign"]) if data.get("campaign") else None
        campaign_name = dict(self.fields["campaign"].choices).get(data["campaign"])
        return {
            "default_country": data["default_country"],
            "check_pool_ids": check_pool_ids,
            "mapping": self.mapping(),
            "campaign_id": campaign_id,
            "campaign_name": campaign_name if campaign_id else None,
        }
