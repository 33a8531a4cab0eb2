"""Prepare the embedded database for a newcomer: schema, reference data, one account per role.

Passwords are generated and printed once; only their hashes are stored. A second run keeps the
accounts (and says so) unless asked to reset their passwords.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import transaction

from ewtp.accounts.models import Organisation, User
from ewtp.accounts.services import actor_for_user, create_user, generate_password, issue_token
from ewtp.core.actor import Role
from ewtp.logistics.network import load_network
from ewtp.rules.models import HSCode
from ewtp.rules.refdata import load_reference_data

# username, role, jurisdiction, organisation (kind, name, country). The seller joins a seller of the
# demo world (its catalogue and orders), the logistics partner the hub's own carrier (its token posts
# scans and tracking events), the payment partner the SANDBOX provider's organisation.
DEMO_BUYER_COUNTRY = "SG"  # the demo buyer's own orders cross a border: Melaka to Singapore
DEMO_ACCOUNTS = [
    ("operator", Role.HUB_OPERATOR, "", None),
    ("buyer", Role.BUYER, "", None),
    ("seller", Role.SELLER, "", (Organisation.SELLER, "Kedai Batik Melaka", "MY")),
    ("customs", Role.CUSTOMS_OFFICER, "CN", None),
    ("logistics", Role.LOGISTICS_PARTNER, "", (Organisation.LOGISTICS, "eWTP hub logistics", "MY")),
    ("payments", Role.PAYMENT_PARTNER, "", (Organisation.PAYMENT, "Sandbox Pay (demo provider)", "MY")),
    ("analyst", Role.ANALYST, "", None),
]


@dataclass
class DemoReport:
    created: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, password
    kept: list[tuple[str, str]] = field(default_factory=list)
    tokens: list[tuple[str, str]] = field(default_factory=list)  # organisation, token

    def render(self) -> str:
        lines = ["", "Demo accounts (sign in at http://127.0.0.1:8000/accounts/login/):"]
        for username, role, password in self.created:
            lines.append(f"  {username:<10} {role:<18} password: {password}")
        for username, role in self.kept:
            lines.append(f"  {username:<10} {role:<18} (exists; password shown when created — `ewtp demo --reset-passwords`)")
        if self.created:
            lines.append("These passwords are shown once and not stored in readable form.")
        for org, token in self.tokens:
            lines.append(f"  API token for {org}: {token}")
        return "\n".join(lines)


def prepare_demo(*, reset_passwords: bool = False, progress: Callable[[str], None] = print) -> DemoReport:
    progress("migrating the database …")
    call_command("migrate", interactive=False, verbosity=0)
    if not HSCode.objects.exists():
        progress("loading reference data …")
        load_reference_data()
    progress("loading the hub network and rates …")
    load_network()  # idempotent: a second `ewtp demo` changes nothing
    report = DemoReport()
    with transaction.atomic():
        for username, role, jurisdiction, org_spec in DEMO_ACCOUNTS:
            existing = User.objects.filter(username=username).first()
            password = generate_password(username, f"{username}@demo.ewtp.invalid")
            if existing is not None:
                if reset_passwords:
                    existing.set_password(password)
                    existing.save(update_fields=["password"])
                    report.created.append((username, role, password))
                else:
                    report.kept.append((username, role))
                continue
            org = None
            if org_spec:
                org, _ = Organisation.objects.get_or_create(kind=org_spec[0], name=org_spec[1],
                                                            defaults={"country": org_spec[2]})
            country = org_spec[2] if org_spec else DEMO_BUYER_COUNTRY if role == Role.BUYER else ""
            create_user("demo", username=username, email=f"{username}@demo.ewtp.invalid", password=password,
                        role=role, jurisdiction=jurisdiction, organisation=org, country=country, org_role="owner")
            report.created.append((username, role, password))
            if org is not None and org.kind != Organisation.SELLER:
                operator = User.objects.get(username="operator")
                issued = issue_token(actor_for_user(operator), org, "demo token")
                report.tokens.append((org.name, issued.secret))
    return report
