"""Accounts API: who am I, organisations, partner tokens, buyer sign-up."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ewtp.accounts import services
from ewtp.accounts.api_auth import actor_of
from ewtp.accounts.models import ApiToken, Organisation
from ewtp.core.actor import Role
from ewtp.core.errors import NotFound
from ewtp.core.idempotency import keep_secret
from ewtp.core.permissions import get_accessible, require_role
from ewtp.core.schemas import ERRORS, Input, ObjectId

router = Router(tags=["accounts"])

CountryCode = Field(..., min_length=2, max_length=2, pattern="^[A-Z]{2}$", description="ISO 3166-1 alpha-2")


class MeOut(Schema):
    role: str
    user_id: int | None
    organisations: list[int]
    jurisdiction: str


class OrganisationIn(Input):
    kind: str = Field(..., max_length=16, description="seller, logistics or payment")
    name: str = Field(..., min_length=1, max_length=200)
    country: str = CountryCode


class OrganisationOut(Schema):
    id: int
    kind: str
    name: str
    country: str


class TokenIn(Input):
    organisation_id: int = Field(..., gt=0)
    name: str = Field(..., min_length=1, max_length=100)


class TokenOut(Schema):
    id: int
    organisation_id: int
    name: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(..., description="the secret, shown once; only its hash is kept (a retry with the same "
                                        "Idempotency-Key gets it empty)")


class BuyerSignupIn(Input):
    username: str = Field(..., min_length=1, max_length=150)
    email: str = Field(..., max_length=254)
    password: str = Field(..., min_length=1, max_length=128)
    country: str = CountryCode


class UserOut(Schema):
    id: int
    username: str
    role: str
    country: str


def _token_out(tok: ApiToken) -> dict:
    return {"id": tok.pk, "organisation_id": tok.organisation_id, "name": tok.name, "prefix": tok.prefix,
            "created_at": tok.created_at, "revoked_at": tok.revoked_at}


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest):
    a = actor_of(request)
    return {"role": a.role, "user_id": a.user_id, "organisations": sorted(a.org_ids), "jurisdiction": a.jurisdiction}


@router.post("/buyers", auth=None, response={201: UserOut, **ERRORS})
def signup_buyer(request: HttpRequest, payload: BuyerSignupIn):
    user = services.signup_buyer(**payload.dict())
    return Status(201, {"id": user.pk, "username": user.username, "role": user.role, "country": user.country})


@router.get("/organisations", response={200: list[OrganisationOut], **ERRORS})
def list_organisations(request: HttpRequest):
    a = actor_of(request)
    qs = Organisation.objects.order_by("id")
    if not a.is_operator:
        qs = qs.filter(id__in=a.org_ids)
    return list(qs.values("id", "kind", "name", "country")[:500])


@router.get("/organisations/{org_id}", response={200: OrganisationOut, **ERRORS})
def get_organisation(request: HttpRequest, org_id: ObjectId):
    return get_accessible(actor_of(request), Organisation, "organisation", pk=org_id)


@router.post("/organisations", response={201: OrganisationOut, **ERRORS})
def create_organisation(request: HttpRequest, payload: OrganisationIn):
    return Status(201, services.create_organisation(actor_of(request), **payload.dict()))


@router.get("/tokens", response={200: list[TokenOut], **ERRORS})
def list_tokens(request: HttpRequest):
    require_role(actor_of(request), [Role.HUB_OPERATOR])
    return [_token_out(t) for t in ApiToken.objects.order_by("-id")[:500]]


@router.post("/tokens", response={201: IssuedTokenOut, **ERRORS})
def issue_token(request: HttpRequest, payload: TokenIn):
    actor = actor_of(request)
    require_role(actor, [Role.HUB_OPERATOR])
    org = Organisation.objects.filter(pk=payload.organisation_id).first()
    if org is None:
        raise NotFound("organisation not found")
    issued = services.issue_token(actor, org, payload.name)
    keep_secret(request, "token")  # a retry gets the token's record, its secret empty: revoke and reissue if lost
    return Status(201, {**_token_out(issued.token), "token": issued.secret})


@router.post("/tokens/{token_id}/revoke", response={200: TokenOut, **ERRORS})
def revoke_token(request: HttpRequest, token_id: ObjectId):
    return _token_out(services.revoke_token(actor_of(request), token_id))
