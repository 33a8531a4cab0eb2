"""SANDBOX — the hub's built-in test payment provider. It moves no real money.

It behaves like a real provider so the hub is tested against the hard parts:
- it answers asynchronously, through webhooks signed with HMAC-SHA256 over
  "<unix timestamp>.<body>" (header `Sandbox-Signature: t=<ts>,v1=<hex>`); the receiver
  rejects stale timestamps (replay protection) and ignores event ids it has seen;
- it declines known test card numbers (below);
- it sometimes delays a webhook and sometimes sends one twice. Each such choice is drawn
  from a random generator seeded with (hub setting seed, event id), so a run is reproducible;
  a simulation sets the moment webhooks are scheduled from (`simulated_clock`), so their
  order does not depend on how fast the machine ran it.

Test cards: 4242424242424242 succeeds; 4000000000000002 is declined (card_declined);
4000000000009995 is declined (insufficient_funds); 4000000000000069 is declined
(expired_card); 4000000000005126 succeeds but its refunds fail. A payout whose amount in
minor units ends in 13 fails (account_closed).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from ewtp.core.compiled import CompiledQuery, get_or_create, insert_values, save_fields
from ewtp.core.errors import AppError, ValidationFailed
from ewtp.core.orm import update_by_value
from ewtp.core.parse import digits
from ewtp.payments.models import Payment, Payout, Refund, SandboxOutbox, SandboxRecord
from ewtp.payments.providers.base import (
    BadSignature,
    PaymentProvider,
    ProviderError,
    ProviderEvent,
    ProviderRecord,
)

HEADER = "Sandbox-Signature"
_record_by_ref = CompiledQuery(lambda ref: SandboxRecord.objects.filter(ref=ref)[:1], texts=(0,))  # every payment step
_payment_record = CompiledQuery(lambda ref: SandboxRecord.objects.filter(kind="payment", reference=ref)
                                .order_by("pk")[:1], texts=(0,))  # as .first(): every refund
_records_by_refs = CompiledQuery(lambda refs: SandboxRecord.objects.filter(ref__in=refs), texts=(0,))  # batches
CHUNK = 500  # rows per IN list or insert: under SQLite's bound-parameter limit
DECLINED = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
}
REFUND_FAILS = "4000000000005126"
# the moment webhooks are scheduled from: the real clock, or a simulation's own
_scheduled_from: ContextVar[datetime | None] = ContextVar("sandbox_scheduled_from", default=None)


@contextmanager
def simulated_clock(now: datetime) -> Iterator[None]:
    """Schedule the webhooks answering operations inside the block from `now` rather than the
    real clock: on the real clock, two webhooks due a fraction of a second apart swap order
    between two runs of one seed when one run is slower, and so do the rows they write."""
    token = _scheduled_from.set(now)
    try:
        yield
    finally:
        _scheduled_from.reset(token)


def test_cards() -> list[tuple[str, str]]:
    """The test cards with what each does, for the payment pages (in the active language)."""
    from django.utils.translation import gettext as _

    return [("4242424242424242", _("succeeds")), *DECLINED.items(), (REFUND_FAILS, _("succeeds; its refunds fail"))]
DELAY_SHARE, REPEAT_SHARE = 0.3, 0.2  # how often a webhook is late / sent twice


_RECORD_FIELDS = ("ref", "kind", "reference", "currency", "amount_minor", "status", "flags", "created_at")
_OUTBOX_FIELDS = ("event_id", "body", "deliver_after", "delivered_at", "attempts")


def _send_later(rows: Sequence[tuple]) -> None:
    """The outbox rows `_outbox` made inserted (values only: a batch makes thousands, and nothing
    reads them back but the delivery's query)."""
    insert_values(SandboxOutbox, _OUTBOX_FIELDS, list(rows))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def __init__(self, secret: str, seed: int, tolerance_s: int = 300):
        self.secret, self.seed, self.tolerance_s = secret, seed, tolerance_s

    @classmethod
    def from_settings(cls) -> SandboxProvider:
        return cls(
            settings.EWTP_PAYMENTS_SANDBOX_SECRET,
            settings.EWTP_PAYMENTS_SANDBOX_SEED,
            settings.EWTP_PAYMENTS_WEBHOOK_TOLERANCE_S,
        )

    # ---- operations ------------------------------------------------------------------------
    def _record(self, ref: str) -> SandboxRecord:
        rec = _record_by_ref.first(ref)
        if rec is None:
            raise ProviderError(f"sandbox: no such operation {ref}")
        return rec

    def create_payment(self, payment: Payment) -> str:
        ref = f"sbx_pay_{payment.pk}"
        get_or_create(_record_by_ref, (ref,), SandboxRecord, ref=ref, kind="payment", reference=payment.order_ref,
                      currency=payment.currency, amount_minor=payment.amount_minor, status="created")
        return ref

    def create_payments(self, payments: Sequence[Payment]) -> list[str]:
        refs = [f"sbx_pay_{p.pk}" for p in payments]
        found = self._records(refs)
        # values, not instances (nothing reads them back here); created now, as auto_now_add
        now = timezone.now()
        new = [(ref, "payment", p.order_ref, p.currency, p.amount_minor, "created", "", now)
               for p, ref in zip(payments, refs, strict=True) if ref not in found]
        insert_values(SandboxRecord, _RECORD_FIELDS, new)
        return refs

    def check_card(self, card_number: str) -> str:
        card = "".join(card_number.split())
        if not digits(card) or not 12 <= len(card) <= 19:
            raise ValidationFailed.field("card_number", "12 to 19 digits")
        return card

    def authorise(self, payment: Payment, card_number: str) -> None:
        card = self.check_card(card_number)
        rec = self._record(payment.provider_ref)
        outbox = self._authorise(rec, card)
        save_fields(rec, ["status", "flags"])
        _send_later(outbox)

    def _authorise(self, rec: SandboxRecord, card: str) -> list[tuple]:
        """An authorisation in the provider's books (in memory): the record's new status, and
        the webhooks that answer it."""
        if rec.status != "created":
            raise ProviderError(f"sandbox: payment {rec.ref} is {rec.status}")
        reason = DECLINED.get(card)
        rec.status = "declined" if reason else "authorised"
        rec.flags = "refund_fails" if card == REFUND_FAILS else ""
        return self._outbox("payment.declined" if reason else "payment.authorised", rec, reason=reason or "")

    def authorise_many(self, items: Sequence[tuple[Payment, str]]) -> list[AppError | None]:
        return self._many([p for p, _ in items], [c for _, c in items], self._authorise, ["status", "flags"],
                          check=self.check_card)

    def capture(self, payment: Payment) -> None:
        rec = self._record(payment.provider_ref)
        outbox = self._capture(rec)
        save_fields(rec, ["status"])
        _send_later(outbox)

    def _capture(self, rec: SandboxRecord, _: object = None) -> list[tuple]:
        if rec.status != "authorised":
            raise ProviderError(f"sandbox: cannot capture a payment that is {rec.status}")
        rec.status = "captured"
        return self._outbox("payment.captured", rec)

    def capture_many(self, payments: Sequence[Payment]) -> list[AppError | None]:
        return self._many(payments, [None] * len(payments), self._capture, ["status"])

    def _many(self, payments: Sequence[Payment], args: Sequence, step: Callable[..., list[tuple]],
              fields: list[str], check: Callable = lambda arg: arg) -> list[AppError | None]:
        """`step(record, check(arg))` of each payment in turn, as its one-by-one call would do it
        (`check` first, then the record): the provider's bookkeeping read in one query and written
        in a few statements; a refused one gets its error in its place and changes nothing."""
        records = self._records([p.provider_ref for p in payments])
        out: list[AppError | None] = []
        changed: dict[int, SandboxRecord] = {}
        outbox: list[tuple] = []
        for p, arg in zip(payments, args, strict=True):
            rec = records.get(p.provider_ref)
            try:
                arg = check(arg)
                if rec is None:
                    raise ProviderError(f"sandbox: no such operation {p.provider_ref}")
                outbox += step(rec, arg)
            except AppError as err:
                out.append(err)
                continue
            changed[rec.pk] = rec
            out.append(None)
        update_by_value(list(changed.values()), fields)  # rows sharing their new values: one statement
        _send_later(outbox)
        return out

    def _records(self, refs: Sequence[str]) -> dict[str, SandboxRecord]:
        todo = sorted(set(refs))
        found: dict[str, SandboxRecord] = {}
        for i in range(0, len(todo), CHUNK):
            found.update((r.ref, r) for r in _records_by_refs(todo[i:i + CHUNK]))
        return found

    def void(self, payment: Payment) -> None:
        rec = self._record(payment.provider_ref)
        if rec.status != "authorised":
            raise ProviderError(f"sandbox: cannot void a payment that is {rec.status}")
        rec.status = "voided"
        save_fields(rec, ["status"])
        self._emit("payment.voided", rec)

    def refund(self, refund: Refund) -> str:
        pay = _payment_record.first(refund.escrow.order_ref)
        if pay is None or pay.status != "captured":
            raise ProviderError("sandbox: refunds need a captured payment")
        fails = pay.flags == "refund_fails"
        ref = f"sbx_ref_{refund.pk}"
        rec, created = get_or_create(
            _record_by_ref, [ref], SandboxRecord, ref=ref, kind="refund", reference=f"refund:{refund.pk}",
            currency=refund.currency, amount_minor=refund.amount_minor, status="failed" if fails else "succeeded",
        )
        if created:
            self._emit(
                "refund.failed" if fails else "refund.succeeded",
                rec,
                reason="sandbox: refund_fails card" if fails else "",
            )
        return rec.ref

    def payout(self, payout: Payout) -> str:
        fails = payout.amount_minor % 100 == 13
        rec, created = SandboxRecord.objects.get_or_create(
            ref=f"sbx_po_{payout.pk}",
            defaults={
                "kind": "payout",
                "reference": f"payout:{payout.pk}",
                "currency": payout.currency,
                "amount_minor": payout.amount_minor,
                "status": "failed" if fails else "paid",
            },
        )
        if created:
            self._emit(
                "payout.failed" if fails else "payout.paid", rec, reason="account_closed" if fails else ""
            )
        return rec.ref

    def records(self) -> Iterable[ProviderRecord]:
        kinds = {
            ("payment", "captured"): "escrow_hold",
            ("refund", "succeeded"): "refund_out",
            ("payout", "paid"): "payout_out",
        }
        for r in SandboxRecord.objects.order_by("id").iterator():
            kind = kinds.get((r.kind, r.status))
            if kind:
                yield ProviderRecord(kind, r.reference, r.currency, r.amount_minor, r.status)

    # ---- webhooks --------------------------------------------------------------------------
    def _emit(self, type_: str, rec: SandboxRecord, reason: str = "") -> None:
        _send_later(self._outbox(type_, rec, reason))

    def _outbox(self, type_: str, rec: SandboxRecord, reason: str = "") -> list[tuple]:
        """The webhook answering an operation (the values of its unsaved SandboxOutbox rows, for
        `_send_later`): once, or twice, on time or late."""
        event_id = "evt_" + hashlib.sha256(f"{type_}:{rec.ref}".encode()).hexdigest()[:24]
        body = json.dumps(
            {
                "id": event_id,
                "type": type_,
                "data": {
                    "provider_ref": rec.ref,
                    "reference": rec.reference,
                    "amount_minor": rec.amount_minor,
                    "currency": rec.currency,
                    "reason": reason,
                },
            },
            sort_keys=True,
        )
        rng = random.Random(f"{self.seed}:{event_id}")
        now = _scheduled_from.get() or timezone.now()
        late = rng.random() < DELAY_SHARE
        first = now + timedelta(seconds=rng.randint(5, 120) if late else 0)
        rows = [(event_id, body, first, None, 0)]
        if rng.random() < REPEAT_SHARE:
            rows.append((event_id, body, first + timedelta(seconds=rng.randint(1, 60)), None, 0))
        return rows

    def signed_headers(self, body: bytes, at: datetime | None = None) -> dict[str, str]:
        ts = int((at or timezone.now()).timestamp())
        return {HEADER: f"t={ts},v1={sign(self.secret, ts, body)}"}

    def _due(self, now: datetime):
        return SandboxOutbox.objects.filter(delivered_at=None, deliver_after__lte=now)

    def due_rows(self, now: datetime | None = None) -> list[tuple[int, str, str, int]]:
        """(id, event id, body, attempts) of every webhook due now, in the order they are sent:
        the values only (a batch reads thousands of rows, and writes two of their fields)."""
        return list(self._due(now or timezone.now()).order_by("deliver_after", "id")
                    .values_list("pk", "event_id", "body", "attempts"))

    def deliver_due(self, send: Callable[[dict[str, str], bytes], int], now: datetime | None = None) -> int:
        """Send every webhook that is due, one request each: `deliver_due_many` with a sender of one."""
        return self.deliver_due_many(lambda deliveries: [send(h, b) for h, b in deliveries], now)

    def deliver_due_many(self, send: Callable[[list[tuple[dict[str, str], bytes]]], list[int]],
                         now: datetime | None = None, rows: list[tuple[int, str, str, int]] | None = None) -> int:
        """Send every webhook that is due, signed at `now`, in order, to a receiver that takes
        them all and answers each with its status (an in-process receiver handles them as a
        batch); a non-2xx answer is retried later (exponential back-off). Returns how many were
        delivered. The rows are marked at the end, in a few statements: if a send raises, none is,
        and the next run sends them again (the receiver acknowledges a repeated event as a
        duplicate, as for any provider's retry). `rows`: `due_rows(now)`, when the caller has
        just read them."""
        now = now or timezone.now()
        if rows is None:
            rows = self.due_rows(now)
        bodies = [body.encode() for _, _, body, _ in rows]
        statuses = send([(self.signed_headers(body, now), body) for body in bodies])
        # each row's changed fields only, one statement per distinct new values: the delivered
        # ones share theirs
        changes: dict[tuple, list[int]] = {}
        for (pk, _, _, attempts), status in zip(rows, statuses, strict=True):
            if 200 <= status < 300:
                changes.setdefault((("delivered_at", now),), []).append(pk)
            else:
                changes.setdefault((("attempts", attempts + 1),
                                    ("deliver_after", now + timedelta(seconds=2 ** min(attempts + 1, 12)))), []).append(pk)
        for values, pks in changes.items():
            for i in range(0, len(pks), CHUNK):
                SandboxOutbox.objects.filter(pk__in=pks[i:i + CHUNK]).update(**dict(values))
        return sum(200 <= status < 300 for status in statuses)

    def verify_and_parse(
        self, headers: Mapping[str, str], body: bytes, now: datetime | None = None
    ) -> ProviderEvent:
        header = next((v for k, v in headers.items() if k.lower() == HEADER.lower()), "")
        parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
        ts_values = [v for k, v in parts if k.strip() == "t"]
        sigs = [v.strip() for k, v in parts if k.strip() == "v1"]
        stamp = ts_values[0].strip() if ts_values else ""
        if not sigs or not digits(stamp) or len(stamp) > 12:
            raise BadSignature(f"missing or malformed {HEADER} header")
        ts = int(stamp)
        current = int((now or timezone.now()).timestamp())
        if abs(current - ts) > self.tolerance_s:
            raise BadSignature("webhook timestamp outside the tolerance: a replay or a skewed clock")
        expected = sign(self.secret, ts, body)
        if not any(hmac.compare_digest(expected, s) for s in sigs):
            raise BadSignature("webhook signature does not match")
        try:
            doc = json.loads(body)
            return ProviderEvent(str(doc["id"]), str(doc["type"]), dict(doc["data"]))
        except (ValueError, KeyError, TypeError):
            raise BadSignature("signed webhook body is not a valid event") from None
