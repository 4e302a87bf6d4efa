"""Create the demo people and a demo campaign on an empty database."""

from django.core.management.base import BaseCommand
from django.db import transaction

from adversus.models import User
from campaigns.models import Campaign
from campaigns.services import add_contacts_to_campaign
from leads.models import Contact, LeadPool

DEMO_PEOPLE = [
    ("admin", User.Role.ADMIN, "Ada", "Admin"),
    ("manager", User.Role.MANAGER, "Mona", "Manager"),
    ("phoner1", User.Role.PHONER, "Per", "Phoner"),
    ("phoner2", User.Role.PHONER, "Pia", "Phoner"),
]
DEMO_FIRST_NAMES = ["Anne", "Bo", "Camilla", "Dan", "Emma", "Frederik", "Gitte"]
DEMO_LAST_NAMES = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Søndergaard"]
DEMO_CONTACTS = 40


class Command(BaseCommand):
    help = "Create demo logins (admin, manager, two phoners) and a campaign."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--password",
            default="demo-pass-2026",
            help="Password for every demo login.",
        )

    @transaction.atomic
    def handle(self, *args, password: str, **options) -> None:
        if User.objects.exists():
            demo = User.objects.filter(username__in=[p[0] for p in DEMO_PEOPLE])
            self.stdout.write("Users exist already; no demo data created.")
            if demo.exists():
                names = ", ".join(
                    demo.order_by("pk").values_list("username", flat=True)
                )
                self.stdout.write(f"Demo logins: {names} (password as first set).")
            return

        for username, role, first, last in DEMO_PEOPLE:
            is_admin = role == User.Role.ADMIN
            User.objects.create_user(
                username,
                password=password,
                role=role,
                first_name=first,
                last_name=last,
                is_staff=is_admin,
                is_superuser=is_admin,
            )
        campaign = Campaign.objects.create(name="Demo campaign")
        campaign.phoners.set(User.objects.filter(role=User.Role.PHONER))
        add_contacts_to_campaign(campaign, self.create_demo_contacts())

        self.stdout.write("Demo logins (user name / password):")
        for username, role, first, last in DEMO_PEOPLE:
            self.stdout.write(
                f"  {username:<8} / {password}   ({role}: {first} {last})"
            )

    def create_demo_contacts(self):
        """Fictional people with numbers in a range no one owns."""
        pool = LeadPool.default()
        contacts = [
            Contact(
                pool=pool,
                phone=f"+4570{n:06d}",
                first_name=DEMO_FIRST_NAMES[n % len(DEMO_FIRST_NAMES)],
                last_name=DEMO_LAST_NAMES[n % len(DEMO_LAST_NAMES)],
                company=f"Demo firma {n} ApS",
                city="København",
            )
            for n in range(1, DEMO_CONTACTS + 1)
        ]
        created = Contact.objects.bulk_create(contacts)
        return Contact.objects.filter(pk__in=[c.pk for c in created])
