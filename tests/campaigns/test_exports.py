import csv
import io

from django.urls import reverse

from campaigns.models import Status
from tests.campaigns.conftest import make_lead


def read_csv(response) -> tuple[bytes, list[list[str]]]:
    raw = b"".join(response.streaming_content)
    text = raw.decode("utf-8-sig")
    return raw, list(csv.reader(io.StringIO(text), delimiter=";"))


def test_campaign_export_is_excel_safe_and_keeps_danish_letters(
    manager_client, campaign
):
    lead = make_lead(campaign, "+4520000001", email='=HYPERLINK("x")')
    lead.contact.first_name = "Søren"
    lead.contact.last_name = "Ærø-Åberg"
    lead.contact.company = "@SUM(A1)"
    lead.contact.city = "-2+3"
    lead.contact.save()

    response = manager_client.get(
        reverse("campaigns:campaign-export", args=[campaign.pk])
    )

    raw, rows = read_csv(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert raw.startswith(b"\xef\xbb\xbf")
    assert rows[0][:3] == ["Lead id", "Status", "Attempts"]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Name"] == "Søren Ærø-Åberg"
    assert row["E-mail"] == '\'=HYPERLINK("x")'
    assert row["Company"] == "'@SUM(A1)"
    assert row["City"] == "'-2+3"
    assert row["Phone"] == "'+4520000001"


def test_campaign_export_follows_the_current_filter(manager_client, campaign):
    make_lead(campaign, "+4520000001", status=Status.SUCCESS)
    make_lead(campaign, "+4520000002")

    response = manager_client.get(
        reverse("campaigns:campaign-export", args=[campaign.pk]),
        {"status": "success"},
    )

    _, rows = read_csv(response)
    assert [row[1] for row in rows[1:]] == ["Success"]


def test_tab_and_carriage_return_starts_are_neutralised():
    from leads.exports import neutralise

    assert neutralise("\tcmd") == "'\tcmd"
    assert neutralise("\r=1") == "'\r=1"
    assert neutralise("Ålborg") == "Ålborg"
    assert neutralise(None) == ""
