"""Every form of the product fed random input: a message, never a 500.

The form fields are those the pages use; the values are what hypothesis
makes of text, numbers, dates and ids, including ones that exist.
"""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_access import RULES, URLS, story_fixture, url_of  # noqa: F401

FIELDS = [
    "status", "callback_at", "owner", "note", "name", "max_contact_attempts",
    "redial_delay_minutes", "callback_handover_hours", "phoners", "is_active",
    "campaign", "campaigns", "pool", "new_pool_name", "default_country",
    "check_against", "check_pools", "column_0", "column_1", "column_2",
    "active", "release_unsolved_after_hours", "release_unsolved_enabled",
    "release_unsolved_every_minutes", "time_zone", "next_contact_at", "query",
    "start", "end", "phone", "email", "first_name", "notes",
]  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["1", "2", "0", "-1", "", "on", "true", "2026-03-29T02:30"]),
    st.sampled_from(["2026-10-25T02:30", "9999-12-31T23:59", "0001-01-01T00:00"]),
    st.sampled_from(["private_redial", "vip_redial", "success", "unsolved"]),
    st.sampled_from(["phone", "extra", "ignore", "DK", "XX", "all", "chosen"]),
)
FORM_DATA = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=8)
# The login forms are left to the lockout tests; logging out ends the run.
FUZZED = [
    name
    for name, rule in sorted(RULES.items())
    if name in URLS and rule.post and name not in ("login", "logout")
]


def first_role(roles) -> str:
    return next(r for r in ("phoner", "manager", "admin") if r in roles)


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("name", FUZZED)
def test_random_form_input_never_answers_a_server_error(name, story):
    rule = RULES[name]
    client = Client(raise_request_exception=False)
    client.force_login(story["users"][first_role(rule.post)])
    url = url_of(name, story)

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(data=FORM_DATA)
    def post_anything(data):
        response = client.post(url, data)

        assert response.status_code < 500, (name, data)

    post_anything()


def test_callback_time_out_of_range_gets_a_message(story):
    client = Client(raise_request_exception=False)
    client.force_login(story["users"]["phoner"])

    response = client.post(
        url_of("dialer:lead-save", story),
        {"status": "private_redial", "callback_at": "0001-01-01T00:00"},
    )

    assert response.status_code == 422
