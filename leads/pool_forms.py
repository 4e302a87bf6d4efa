"""Forms of the manager's pool and contact pages."""

from django import forms

from leads.models import Contact
from leads.phones import PhoneError, region_for, to_e164


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = (
            "phone",
            "email",
            "first_name",
            "last_name",
            "name",
            "company",
            "address",
            "zip_code",
            "city",
            "country",
            "notes",
        )
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def clean_phone(self) -> str:
        """Store E.164, as the duplicate check and the dialer expect."""
        region = region_for(self.data.get("country", ""))
        try:
            return to_e164(self.cleaned_data["phone"], region)
        except PhoneError as error:
            raise forms.ValidationError(error.message) from None

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()
