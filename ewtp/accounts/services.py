"""Account use cases: sign-up, users per role, partner API tokens. Each runs in one
transaction and writes an audit entry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from ewtp.accounts.models import ApiToken, Membership, Organisation, User
from ewtp.core import audit
from ewtp.core.actor import Actor, Role
from ewtp.core.errors import Conflict, NotFound, ValidationFailed
from ewtp.core.permissions import require_role
from ewtp.rules.refdata import is_country

PARTNER_ROLE = {Organisation.LOGISTICS: Role.LOGISTICS_PARTNER, Organisation.PAYMENT: Role.PAYMENT_PARTNER,
                Organisation.SELLER: Role.SELLER}
TOKEN_PREFIX = "ewtp_"


# Resolving the caller runs on every API request: one plain statement each, as the ORM's query
# building cost several times the query itself.
_ORGS_SQL = f"SELECT organisation_id FROM {Membership._meta.db_table} WHERE user_id = %s"  # noqa: S608
_TOKEN_SQL = (f"SELECT t.id, t.prefix, t.name, t.digest, t.revoked_at, t.organisation_id, o.kind "  # noqa: S608
              f"FROM {ApiToken._meta.db_table} t JOIN {Organisation._meta.db_table} o ON o.id = t.organisation_id "
              "WHERE t.digest = %s")


def actor_for_user(user: User) -> Actor:
    with connection.cursor() as cur:
        cur.execute(_ORGS_SQL, [user.pk])
        org_ids = frozenset(row[0] for row in cur.fetchall())
    return Actor(role=user.role, user_id=user.pk, org_ids=org_ids, jurisdiction=user.jurisdiction,
                 label=user.username)


def generate_password(username: str, email: str) -> str:
    """A random password that passes the validators: a random string can still be "too similar"
    to a long username by character overlap, so draw again until it is not."""
    while True:
        password = secrets.token_urlsafe(16)
        try:
            validate_password(password, User(username=username, email=email))
            return password
        except DjangoValidationError:
            continue


def _check_new_user(username: str, email: str, password: str | None, country: str) -> None:
    errors: dict[str, list[str]] = {}
    if not username or len(username) > 150:
        errors["username"] = ["required, at most 150 characters"]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["already taken"]
    try:
        validate_email(email)
    except DjangoValidationError:
        errors["email"] = ["not a valid e-mail address"]
    if password is not None:  # None: an account that never signs in (unusable password)
        try:
            validate_password(password, User(username=username, email=email))
        except DjangoValidationError as exc:
            errors["password"] = list(exc.messages)
    if country and not is_country(country):
        errors["country"] = [f"unknown country code {country!r}"]
    if errors:
        raise ValidationFailed("the account details are not valid", fields=errors)


def create_user(actor: Actor | str, *, username: str, email: str, password: str | None, role: str,
                country: str = "", jurisdiction: str = "", organisation: Organisation | None = None,
                org_role: str = Membership.STAFF) -> User:
    if role not in Role.ALL:
        raise ValidationFailed.field("role", f"one of {', '.join(Role.ALL)}")
    if role == Role.CUSTOMS_OFFICER and not jurisdiction:
        raise ValidationFailed.field("jurisdiction", "a customs officer is bound to a jurisdiction")
    _check_new_user(username, email, password, country)
    with transaction.atomic():
        user = User.objects.create_user(username=username, email=email, password=password, role=role,
                                        country=country, jurisdiction=jurisdiction,
                                        is_staff=role == Role.HUB_OPERATOR, is_superuser=role == Role.HUB_OPERATOR)
        if organisation is not None:
            Membership.objects.create(user=user, organisation=organisation, role=org_role)
        audit.record(actor, "accounts.create_user", user,
                     after={"username": username, "role": role, "organisation": organisation and organisation.pk})
    return user


def create_simulated_buyers(actor: Actor | str, specs: list[tuple[str, str]]) -> list[User]:
    """Buyers for the demo and simulations: (username, country) pairs, created in bulk with
    unusable passwords (they never sign in), under one audit entry."""
    users = [User(username=u, email=f"{u}@demo.ewtp.invalid", role=Role.BUYER, country=c) for u, c in specs]
    for u in users:
        u.set_unusable_password()
    with transaction.atomic():
        User.objects.bulk_create(users, batch_size=500)  # ids are not returned on every database: re-read
        created = list(User.objects.filter(username__in=[u for u, _ in specs]).order_by("pk"))
        audit.record(actor, "accounts.create_simulated_buyers", object_type="accounts.user",
                     object_id=f"{created[0].pk}..{created[-1].pk}" if created else "",
                     after={"count": len(created)})
    return created


def signup_buyer(*, username: str, email: str, password: str, country: str) -> User:
    return create_user("self-signup", username=username, email=email, password=password, role=Role.BUYER,
                       country=country)


def signup_seller(*, username: str, email: str, password: str, country: str, company_name: str) -> User:
    if not company_name.strip() or len(company_name) > 200:
        raise ValidationFailed.field("company_name", "required, at most 200 characters")
    with transaction.atomic():
        org = Organisation.objects.create(kind=Organisation.SELLER, name=company_name.strip(), country=country)
        user = create_user("self-signup", username=username, email=email, password=password, role=Role.SELLER,
                           country=country, organisation=org, org_role=Membership.OWNER)
        audit.record(f"user:{user.pk}", "accounts.create_organisation", org, after={"name": org.name, "kind": org.kind})
    return user


def create_organisation(actor: Actor, *, kind: str, name: str, country: str) -> Organisation:
    require_role(actor, [Role.HUB_OPERATOR])
    if kind not in dict(Organisation.KINDS):
        raise ValidationFailed.field("kind", "one of seller, logistics, payment")
    with transaction.atomic():
        org = Organisation.objects.create(kind=kind, name=name, country=country)
        audit.record(actor, "accounts.create_organisation", org, after={"name": name, "kind": kind})
    return org


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def issue_token(actor: Actor, organisation: Organisation, name: str) -> IssuedToken:
    require_role(actor, [Role.HUB_OPERATOR])
    if not name.strip() or len(name) > 100:
        raise ValidationFailed.field("name", "required, at most 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        tok = ApiToken.objects.create(organisation=organisation, name=name.strip(), prefix=secret[:12],
                                      digest=_digest(secret), created_by_id=actor.user_id)
        audit.record(actor, "accounts.issue_token", tok, after={"organisation": organisation.pk, "name": tok.name})
    return IssuedToken(tok, secret)


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    require_role(actor, [Role.HUB_OPERATOR])
    with transaction.atomic():
        tok = ApiToken.objects.select_for_update().filter(pk=token_id).first()
        if tok is None:
            raise NotFound("token not found")
        if tok.revoked_at is not None:
            raise Conflict("this token is already revoked", code="token_revoked")
        tok.revoked_at = timezone.now()
        tok.save(update_fields=["revoked_at"])
        audit.record(actor, "accounts.revoke_token", tok, before={"active": True}, after={"active": False})
    return tok


def actor_for_token(secret: str) -> Actor | None:
    """The actor of a valid, unrevoked token, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    digest = _digest(secret)
    with connection.cursor() as cur:
        cur.execute(_TOKEN_SQL, [digest])
        row = cur.fetchone()
    if row is None:
        return None
    token_id, prefix, name, stored, revoked_at, org_id, kind = row
    if revoked_at is not None or not hmac.compare_digest(stored, digest):
        return None
    label = str(ApiToken(prefix=prefix, name=name))
    return Actor(role=PARTNER_ROLE[kind], org_ids=frozenset({org_id}), token_id=token_id, label=label)
