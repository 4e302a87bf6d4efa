"""Part of a phone number finds its contacts, through an index on PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from leads.models import Contact, LeadPool


@pytest.mark.django_db
def test_digits_from_the_middle_of_a_number_find_the_contact(manager_client):
    pool = LeadPool.objects.create(name="Spring")
    Contact.objects.create(pool=pool, phone="+4520123456", first_name="Ib")
    Contact.objects.create(pool=pool, phone="+4531654321", first_name="Ann")

    response = manager_client.get(
        reverse("leads:pool-detail", args=[pool.pk]), {"phone": "1234"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "+4520123456" in page
    assert "+4531654321" not in page


@pytest.mark.postgres
@pytest.mark.django_db
def test_part_of_a_number_is_looked_up_in_the_trigram_index():
    searched = Contact.objects.filter(phone__contains="2012345").values("pk")
    sql, params = searched.query.sql_with_params()

    with connection.cursor() as cursor:
        # The test table is tiny; make the planner show what it would use
        # on a big one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "contact_phone_trgm_idx" in plan
