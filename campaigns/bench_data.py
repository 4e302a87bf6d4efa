"""Bulk building and removal of the benchmarks' throwaway data.

The benchmark commands fill pools and campaigns of a million rows with
INSERT ... SELECT over generate_series; going through the ORM would take
longer than what they measure.
"""

from django.db import connection, models, transaction

from campaigns.models import Campaign, Lead, LeadEvent
from leads.models import Contact, LeadPool


def select_list(model: type[models.Model], given: dict) -> tuple[str, str, list]:
    """Columns, expressions and parameters for INSERT ... SELECT.

    `given` maps a field name to an SQL expression and its parameters; every
    other field gets its model default, so a new field keeps the benchmarks
    working.
    """
    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        default = [field.get_db_prep_save(field.get_default(), connection)]
        expression, values = given.get(field.name, ("%s", default))
        expressions.append(expression)
        params.extend(values)
    return ", ".join(columns), ", ".join(expressions), params


def delete_bench_data(pool: LeadPool, campaign: Campaign, users=()) -> None:
    """Plain DELETEs: the ORM's cascade would load every row first."""
    lead_table = Lead._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {LeadEvent._meta.db_table} WHERE lead_id IN"
            f" (SELECT id FROM {lead_table} WHERE campaign_id = %s)",
            [campaign.pk],
        )
        cursor.execute(
            f"DELETE FROM {lead_table} WHERE campaign_id = %s", [campaign.pk]
        )
        cursor.execute(
            f"DELETE FROM {Contact._meta.db_table} WHERE pool_id = %s", [pool.pk]
        )
        campaign.delete()
        pool.delete()
        for user in users:
            user.delete()
