"""The adapter interface every payment provider implements.

Providers answer asynchronously: a call starts an operation (authorise, capture, refund,
payout) and its outcome arrives later as a signed webhook, which `verify_and_parse` checks and
turns into a `ProviderEvent`. The hub's state changes only when that event is handled
(ewtp/payments/webhooks.py), so a retried or duplicated call never moves money twice.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ewtp.core.errors import AppError

if TYPE_CHECKING:
    from ewtp.payments.models import Payment, Payout, Refund


class ProviderError(AppError):
    """The provider refused or failed a request."""

    status, code = 502, "provider_error"


def _refused(call: Callable[[], None]) -> AppError | None:
    """Make one call in a savepoint: None, or the error it was refused with (nothing kept)."""
    from django.db import transaction

    try:
        with transaction.atomic():
            call()
    except AppError as err:
        return err
    return None


class BadSignature(AppError):
    status, code = 400, "bad_signature"


@dataclass(frozen=True)
class ProviderEvent:
    id: str
    type: str  # payment.authorised|declined|captured|voided, refund.succeeded|failed, payout.paid|failed
    data: dict[str, Any]


@dataclass(frozen=True)
class ProviderRecord:
    """One settled operation in the provider's own books, keyed like the hub's ledger
    transaction it should match (kind escrow_hold / refund_out / payout_out + reference)."""

    kind: str
    reference: str
    currency: str
    amount_minor: int
    status: str


class PaymentProvider(ABC):
    name: str

    @abstractmethod
    def create_payment(self, payment: Payment) -> str:
        """Open a payment at the provider; returns the provider's reference."""

    @abstractmethod
    def authorise(self, payment: Payment, card_number: str) -> None:
        """Ask for an authorisation; answered by payment.authorised or payment.declined."""

    @abstractmethod
    def capture(self, payment: Payment) -> None:
        """Capture an authorised payment; answered by payment.captured."""

    # ---- batch forms: each item as its single call would do it, a refused one changing nothing.
    # A provider with a batch API overrides them; these defaults make the calls one by one.
    def create_payments(self, payments: Sequence[Payment]) -> list[str]:
        """`create_payment` of each; all or (raising) none."""
        return [self.create_payment(p) for p in payments]

    def check_card(self, card_number: str) -> str:
        """A card number the provider refuses outright raises (ValidationFailed) before any
        payment is opened for it; returns it as the provider reads it. Default: no check here."""
        return card_number

    def authorise_many(self, items: Sequence[tuple[Payment, str]]) -> list[AppError | None]:
        """`authorise(payment, card)` of each: None where asked, the error where refused."""
        return [_refused(lambda p=p, c=c: self.authorise(p, c)) for p, c in items]

    def capture_many(self, payments: Sequence[Payment]) -> list[AppError | None]:
        """`capture` of each: None where asked, the error where refused."""
        return [_refused(lambda p=p: self.capture(p)) for p in payments]

    @abstractmethod
    def void(self, payment: Payment) -> None:
        """Cancel an authorisation; answered by payment.voided."""

    @abstractmethod
    def refund(self, refund: Refund) -> str:
        """Return money to the buyer; answered by refund.succeeded or refund.failed."""

    @abstractmethod
    def payout(self, payout: Payout) -> str:
        """Pay a seller; answered by payout.paid or payout.failed."""

    @abstractmethod
    def verify_and_parse(
        self, headers: Mapping[str, str], body: bytes, now: datetime | None = None
    ) -> ProviderEvent:
        """Check the webhook's signature and freshness; raise BadSignature otherwise."""

    @abstractmethod
    def records(self) -> Iterable[ProviderRecord]:
        """The provider's settled operations, for reconciliation."""
