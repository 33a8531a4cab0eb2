"""`ewtp ledger verify`: prove from the postings alone that the books are sound.

1. every ledger transaction sums to zero in every currency (hence the whole ledger does);
2. every account's cached balance equals the sum of its postings, in the account's currency;
3. no guarded account is below zero (each row of a hot account kept in shards is guarded on its
   own), and a hot account's rows are complete and agree;
4. no escrow resolved more than it held, and each escrow's ledger movements match its counters
   (duty and tax remitted at customs clearance, `escrow_remit`, count as released).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connection, transaction

from ewtp.payments.models import Kind


@dataclass
class LedgerReport:
    transactions: int = 0
    postings: int = 0
    accounts: int = 0
    escrows: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(max_problems: int = 50) -> LedgerReport:
    rep = LedgerReport()
    with transaction.atomic(), connection.cursor() as cur:
        # one consistent snapshot (a single transaction) for all four checks
        cur.execute(
            "SELECT COUNT(*), (SELECT COUNT(*) FROM payments_posting), (SELECT COUNT(*) FROM payments_account) "
            "FROM payments_ledgertransaction"
        )
        rep.transactions, rep.postings, rep.accounts = cur.fetchone()
        cur.execute(
            "SELECT tx_id, currency, SUM(amount_minor) FROM payments_posting GROUP BY tx_id, currency "
            "HAVING SUM(amount_minor) <> 0 ORDER BY tx_id LIMIT %s",
            [max_problems],
        )
        for tx_id, currency, total in cur.fetchall():
            rep.problems.append(
                f"transaction {tx_id} does not balance in {currency}: off by {total} minor units"
            )
        cur.execute(
            "SELECT currency, SUM(amount_minor) FROM payments_posting GROUP BY currency "
            "HAVING SUM(amount_minor) <> 0"
        )
        for currency, total in cur.fetchall():
            rep.problems.append(f"the ledger does not sum to zero in {currency}: off by {total} minor units")
        cur.execute(
            "SELECT a.id, a.balance_minor, COALESCE(s.total, 0), s.bad_currency FROM payments_account a "
            "LEFT JOIN (SELECT p.account_id, SUM(p.amount_minor) AS total, "
            "MAX(CASE WHEN p.currency <> a2.currency THEN p.currency END) AS bad_currency "
            "FROM payments_posting p JOIN payments_account a2 ON a2.id = p.account_id GROUP BY p.account_id) s "
            "ON s.account_id = a.id WHERE a.balance_minor <> COALESCE(s.total, 0) OR s.bad_currency IS NOT NULL "
            "ORDER BY a.id LIMIT %s",
            [max_problems],
        )
        for acc_id, cached, total, bad in cur.fetchall():
            if bad:
                rep.problems.append(f"account {acc_id} has a posting in {bad}, not its own currency")
            else:
                rep.problems.append(
                    f"account {acc_id}: cached balance {cached} but its postings sum to {total}"
                )
        cur.execute(
            "SELECT id FROM payments_account WHERE balance_minor < 0 AND NOT allow_negative ORDER BY id LIMIT %s",
            [max_problems],
        )
        for (acc_id,) in cur.fetchall():
            rep.problems.append(f"guarded account {acc_id} is below zero")
        # a hot account's rows (shards.py) agree on its guard and count, and have their home row
        cur.execute(
            "SELECT kind, owner_type, owner_id, currency FROM payments_account "
            "GROUP BY kind, owner_type, owner_id, currency HAVING COUNT(*) <> MAX(shards) "
            "OR MIN(shards) <> MAX(shards) OR MIN(shard) <> 0 "
            "OR COUNT(DISTINCT CASE WHEN allow_negative THEN 1 ELSE 0 END) > 1 LIMIT %s",
            [max_problems],
        )
        for kind, owner_type, owner_id, currency in cur.fetchall():
            rep.problems.append(f"account {kind}:{owner_type}:{owner_id}:{currency}: its shard rows disagree")
        _verify_escrows(cur, rep, max_problems)
    return rep


def _verify_escrows(cur, rep: LedgerReport, max_problems: int) -> None:
    cur.execute("SELECT order_ref, held_minor, released_minor, refunded_minor FROM payments_escrow ORDER BY id")
    counters = {ref: (held, released, refunded) for ref, held, released, refunded in cur.fetchall()}
    rep.escrows = len(counters)
    for ref, (held, released, refunded) in counters.items():
        if released < 0 or refunded < 0 or released + refunded > held:
            rep.problems.append(f"escrow {ref} resolved {released + refunded} of {held} held")
            if len(rep.problems) >= max_problems:
                return
    # what the ledger itself says went through each order's escrow: held in, released and refunded out
    cur.execute(
        "SELECT t.reference, t.kind, SUM(p.amount_minor) FROM payments_posting p "
        "JOIN payments_ledgertransaction t ON t.id = p.tx_id JOIN payments_account a ON a.id = p.account_id "
        "WHERE a.kind = %s AND t.kind IN ('escrow_hold', 'escrow_release', 'escrow_remit', 'escrow_refund', "
        "'refund_failed') "
        "GROUP BY t.reference, t.kind",
        [Kind.ESCROW],
    )
    flows: dict[str, dict[str, int]] = {}
    for ref, kind, total in cur.fetchall():
        flows.setdefault(ref, {})[kind] = int(total)  # SUM is numeric on PostgreSQL
    for ref, f in flows.items():
        held = f.get("escrow_hold", 0)
        released = -f.get("escrow_release", 0) - f.get("escrow_remit", 0)
        refunded = -f.get("escrow_refund", 0) - f.get("refund_failed", 0)  # a failed refund comes back
        if released + refunded > held:
            rep.problems.append(
                f"escrow {ref}: the ledger moved {released + refunded} out of escrow but only {held} was held"
            )
        if counters.pop(ref, None) != (held, released, refunded):
            rep.problems.append(f"escrow {ref}: its counters (held, released, refunded) are not the ledger's "
                                f"{(held, released, refunded)}")
        if len(rep.problems) >= max_problems:
            return
    for ref, c in counters.items():
        if any(c):
            rep.problems.append(f"escrow {ref}: counters {c} but no escrow movement in the ledger")
            if len(rep.problems) >= max_problems:
                return
