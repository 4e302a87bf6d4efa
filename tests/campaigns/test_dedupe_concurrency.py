import threading

import pytest
from django.db import connection

from campaigns.dedupe import remove_duplicates
from campaigns.models import Campaign, Lead, LeadRemoval
from tests.campaigns.conftest import make_lead


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_managers_removing_at_once_remove_each_duplicate_once(manager):
    campaign = Campaign.objects.create(name="Winter sale")
    for i in range(40):
        make_lead(campaign, f"+45200000{i:02d}")
        make_lead(campaign, f"+45200000{i:02d}")
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def remove() -> None:
        try:
            start.wait()
            remove_duplicates([campaign], manager)
        except BaseException as error:  # reported by the assert below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=remove) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Lead.objects.count() == 40
    counts = sorted(LeadRemoval.objects.values_list("removed_count", flat=True))
    assert counts == [0, 40]
