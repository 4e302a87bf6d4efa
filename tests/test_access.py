"""Who may open what: every URL of the project against every role.

RULES lists each URL name with the roles that may GET it and the roles that
may POST to it (None: the method is refused with 405 for everyone). A URL
pattern that is added without a rule here fails
test_every_url_has_a_rule, so no page ships without someone deciding who
may see it. Django admin's own pages are left to the admin; only its index
is walked.

Roles: anonymous; phoner (assigned to the story's campaign); outsider (a
phoner of another campaign only); manager; admin.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from adversus.models import ClientSettings
from campaigns.models import Campaign, Lead, LeadEvent, LeadRemoval, Status
from leads.models import Contact, ContactImport, LeadPool

ROLES = ("anonymous", "phoner", "outsider", "manager", "admin")
SIGNED_IN = frozenset({"phoner", "outsider", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
DIALERS = frozenset({"phoner", "manager", "admin"})
HOLDER = frozenset({"phoner"})


@dataclass(frozen=True)
class Rule:
    """Who may use one URL.

    get/post: the signed-in roles that may use the method, or None when the
    view refuses the method for everyone (405). kwargs maps each URL
    argument to an object of the story (see `story`). login_url: where a
    refused user is sent instead of a 403 (the admin sends to its own login).
    """

    get: frozenset[str] | None
    post: frozenset[str] | None = None
    kwargs: dict[str, str] = field(default_factory=dict)
    anonymous_allowed: bool = False
    login_url: str | None = None
    get_status: int = 200
    post_data: dict[str, str] = field(default_factory=dict)


RULES: dict[str, Rule] = {
    "home": Rule(get=SIGNED_IN, get_status=302),
    "favicon": Rule(get=SIGNED_IN, anonymous_allowed=True, get_status=301),
    "login": Rule(get=SIGNED_IN, post=SIGNED_IN, anonymous_allowed=True),
    "logout": Rule(get=None, post=SIGNED_IN),
    "admin:index": Rule(
        get=frozenset({"admin"}), post=frozenset({"admin"}), login_url="/admin/login/"
    ),
    # Managers' pages: settings, campaigns, leads, pools, contacts, uploads.
    "client-settings": Rule(get=MANAGERS, post=MANAGERS),
    "campaigns:campaign-list": Rule(get=MANAGERS),
    "campaigns:campaign-create": Rule(get=MANAGERS, post=MANAGERS),
    "campaigns:campaign-leads": Rule(get=MANAGERS, kwargs={"pk": "campaign"}),
    "campaigns:campaign-edit": Rule(
        get=MANAGERS, post=MANAGERS, kwargs={"pk": "campaign"}
    ),
    "campaigns:campaign-export": Rule(get=MANAGERS, kwargs={"pk": "campaign"}),
    "campaigns:campaign-statistics": Rule(get=MANAGERS, kwargs={"pk": "campaign"}),
    "campaigns:lead-detail": Rule(get=MANAGERS, kwargs={"pk": "lead"}),
    "campaigns:lead-status": Rule(get=None, post=MANAGERS, kwargs={"pk": "lead"}),
    "campaigns:lead-owner": Rule(get=None, post=MANAGERS, kwargs={"pk": "lead"}),
    "campaigns:lead-release": Rule(get=None, post=MANAGERS, kwargs={"pk": "lead"}),
    "campaigns:pool-add-to-campaign": Rule(
        get=MANAGERS, post=MANAGERS, kwargs={"pool_pk": "pool"}
    ),
    "campaigns:duplicate-check": Rule(get=MANAGERS, post=MANAGERS),
    "leads:pool-list": Rule(get=MANAGERS),
    "leads:pool-detail": Rule(get=MANAGERS, kwargs={"pk": "pool"}),
    "leads:pool-export": Rule(get=MANAGERS, kwargs={"pk": "pool"}),
    "leads:pool-set-active": Rule(get=None, post=MANAGERS, kwargs={"pk": "pool"}),
    "leads:pool-delete-confirm": Rule(get=MANAGERS, kwargs={"pk": "pool"}),
    "leads:pool-delete": Rule(get=None, post=MANAGERS, kwargs={"pk": "pool"}),
    "leads:contact-edit": Rule(get=MANAGERS, post=MANAGERS, kwargs={"pk": "contact"}),
    "leads:import-list": Rule(get=MANAGERS),
    "leads:import-upload": Rule(get=None, post=MANAGERS),
    "leads:import-preview": Rule(get=MANAGERS, kwargs={"pk": "import_preview"}),
    "leads:import-start": Rule(
        get=None, post=MANAGERS, kwargs={"pk": "import_preview"}
    ),
    "leads:import-detail": Rule(get=MANAGERS, kwargs={"pk": "import_done"}),
    "leads:import-issues-csv": Rule(get=MANAGERS, kwargs={"pk": "import_done"}),
    # The dialer: phoners of the campaign; managers may dial any campaign.
    "dialer:overview": Rule(get=SIGNED_IN),
    "dialer:lead-next": Rule(
        get=None, post=DIALERS, kwargs={"campaign_id": "campaign"}
    ),
    # A held lead is opened and saved only by the phoner who holds it.
    "dialer:lead-open": Rule(get=HOLDER, kwargs={"lead_id": "lead"}),
    "dialer:lead-save": Rule(
        get=None,
        post=HOLDER,
        kwargs={"lead_id": "lead"},
        post_data={"status": "not_interested"},
    ),
}

# Only the admin's index is walked; the rest of the admin is Django's.
ADMIN_NAMES_WALKED = {"admin:index"}


def walk(patterns, namespace: str = "", prefix: str = ""):
    """(name, route) of every URL pattern, includes followed."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            yield name, prefix + str(entry.pattern)


def project_urls() -> dict[str, str]:
    urls = {}
    for name, route in walk(get_resolver().url_patterns):
        if route.startswith("admin/") and name not in ADMIN_NAMES_WALKED:
            continue
        urls[name or f"<unnamed {route}>"] = route
    return urls


URLS = project_urls()


def test_every_url_has_a_rule():
    missing = sorted(set(URLS) - set(RULES))

    assert not missing, f"add these URL names to RULES in {__file__}: {missing}"


def test_every_rule_names_a_url():
    stale = sorted(set(RULES) - set(URLS))

    assert not stale, f"these RULES name no URL any more: {stale}"


@pytest.fixture(autouse=True)
def fast_passwords(settings) -> None:
    # Hundreds of cases each create five users; a slow hasher adds minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def uploaded_file(state: str, pool: LeadPool | None = None) -> ContactImport:
    contact_import = ContactImport(pool=pool, file_name="c.csv", state=state)
    content = "Telefon;Fornavn\r\n20 12 34 56;Ib\r\n".encode("cp1252")
    contact_import.file.save("c.csv", ContentFile(content))
    return contact_import


@pytest.fixture(name="story")
def story_fixture(db, phoner, other_phoner, outsider, manager, admin_user, campaign):
    """The objects URL arguments are filled from."""
    elsewhere = Campaign.objects.create(name="Elsewhere")
    elsewhere.phoners.set([outsider])
    pool = LeadPool.default()
    contact = Contact.objects.create(pool=pool, phone="+4520000001", first_name="Ib")
    lead = Lead.objects.create(
        campaign=campaign,
        contact=contact,
        status=Status.UNSOLVED,
        former_status=Status.UNPROCESSED,
        held_by=phoner,
        held_since=timezone.now(),
    )
    LeadEvent.objects.create(lead=lead, kind=LeadEvent.Kind.SERVED, actor=phoner)
    other_contact = Contact.objects.create(
        pool=pool, phone="+4520000002", first_name="Vibeke", last_name="Secretsen"
    )
    private_callback = Lead.objects.create(
        campaign=campaign,
        contact=other_contact,
        status=Status.PRIVATE_REDIAL,
        owner=other_phoner,
        next_contact_at=timezone.now() - timedelta(minutes=5),
    )
    ClientSettings.load()
    LeadRemoval.objects.create(removed_by=manager, checked_leads=2, removed_count=0)
    return {
        "import_preview": uploaded_file(ContactImport.State.PREVIEW),
        "import_done": uploaded_file(ContactImport.State.DONE, pool=pool),
        "users": {
            "phoner": phoner,
            "outsider": outsider,
            "manager": manager,
            "admin": admin_user,
        },
        "campaign": campaign,
        "other_campaign": elsewhere,
        "pool": pool,
        "contact": contact,
        "lead": lead,
        "private_callback": private_callback,
    }


def url_of(name: str, story) -> str:
    rule = RULES[name]
    kwargs = {arg: story[key].pk for arg, key in rule.kwargs.items()}
    return reverse(name, kwargs=kwargs)


def client_for(role: str, story) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(story["users"][role])
    return client


def assert_sent_to_login(response, login_url: str) -> None:
    assert response.status_code == 302, response.status_code
    assert response.url.startswith(f"{login_url}?next="), response.url


def assert_not_sent_to_login(response) -> None:
    if response.status_code == 302:
        assert "?next=" not in response.url, response.url


def assert_refused(response, rule: Rule) -> None:
    if rule.login_url:
        assert_sent_to_login(response, rule.login_url)
    else:
        assert response.status_code in (403, 404), response.status_code


CASES = [
    pytest.param(name, role, id=f"{name}-{role}")
    for name in sorted(set(URLS) & set(RULES))
    for role in ROLES
]


@pytest.mark.parametrize(("name", "role"), CASES)
def test_get_is_allowed_only_for_the_roles_of_the_rule(name, role, story):
    rule = RULES[name]
    client = client_for(role, story)

    response = client.get(url_of(name, story))

    if role == "anonymous" and not rule.anonymous_allowed:
        assert_sent_to_login(response, rule.login_url or reverse("login"))
    elif rule.get is None:
        assert response.status_code == 405
    elif role == "anonymous" or role in rule.get:
        assert response.status_code == rule.get_status
        assert_not_sent_to_login(response)
    else:
        assert_refused(response, rule)


@pytest.mark.parametrize(("name", "role"), CASES)
def test_post_is_allowed_only_for_the_roles_of_the_rule(name, role, story):
    rule = RULES[name]
    client = client_for(role, story)

    response = client.post(url_of(name, story), rule.post_data)

    if role == "anonymous" and not rule.anonymous_allowed:
        assert_sent_to_login(response, rule.login_url or reverse("login"))
    elif rule.post is None:
        assert response.status_code == 405
    elif role == "anonymous" or role in rule.post:
        # Empty data may be refused as a bad form, never as forbidden.
        assert response.status_code not in (403, 404, 405), response.status_code
        assert response.status_code < 500
        assert_not_sent_to_login(response)
    else:
        assert_refused(response, rule)


def test_phoner_never_sees_another_phoners_private_callback(client, story):
    callback = story["private_callback"]
    client.force_login(story["users"]["phoner"])

    overview = client.get(
        reverse("dialer:overview"), {"campaign": story["campaign"].pk}
    )
    opened = client.get(reverse("dialer:lead-open", kwargs={"lead_id": callback.pk}))
    served = client.post(
        reverse("dialer:lead-next", kwargs={"campaign_id": story["campaign"].pk}),
        follow=True,
    )

    assert overview.status_code == 200
    assert opened.status_code == 403
    assert served.status_code == 200
    for response in (overview, opened, served):
        assert b"Secretsen" not in response.content
        assert b"20000002" not in response.content
    callback.refresh_from_db()
    assert callback.status == Status.PRIVATE_REDIAL
    assert callback.held_by is None


def test_owner_of_a_private_callback_sees_it(client, story, other_phoner):
    client.force_login(other_phoner)

    overview = client.get(
        reverse("dialer:overview"), {"campaign": story["campaign"].pk}
    )

    assert b"Secretsen" in overview.content


def test_another_phoner_cannot_save_a_lead_someone_holds(client, story, other_phoner):
    lead = story["lead"]
    client.force_login(other_phoner)

    response = client.post(
        reverse("dialer:lead-save", kwargs={"lead_id": lead.pk}),
        {"status": "success"},
    )

    assert response.status_code == 403
    lead.refresh_from_db()
    assert lead.status == Status.UNSOLVED
    assert lead.held_by == story["users"]["phoner"]


def test_phoner_cannot_dial_a_campaign_of_others(client, story):
    elsewhere = story["other_campaign"]
    client.force_login(story["users"]["phoner"])

    overview = client.get(reverse("dialer:overview"), {"campaign": elsewhere.pk})
    served = client.post(
        reverse("dialer:lead-next", kwargs={"campaign_id": elsewhere.pk})
    )

    assert overview.status_code == 403
    assert served.status_code == 403
    assert elsewhere.name.encode() not in client.get(reverse("dialer:overview")).content
