"""`ewtp simulate` and the demo day: complete order lifecycles, checkout to payout, through the
domain services, without a web server — to show the hub at work and measure how many lifecycles
it completes per second.

The simulator runs the list of stages in `stages.py` over chunks of orders (2,000 by default);
a stage runs in one transaction per chunk: the services' own transactions become savepoints, so
every rule, ledger entry and audit record is the same as one by one, and a refused step (a
declined card) rolls back only its own savepoint. The audit entries of a stage are chained together
at its end (`audit.batch`): the same entries, one head lock per stage instead of one per entry.

The clock is simulated: deliveries happen days after checkout and escrow is released after the
hub's hold period, by passing the simulated time to the services that take one.
"""

from __future__ import annotations

import random
import resource
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ewtp.core import audit, gcpolicy
from ewtp.core.errors import AppError
from ewtp.demo.stages import STAGES, Chunk, Run
from ewtp.demo.world import World
from ewtp.payments import accounts
from ewtp.payments.models import Payout
from ewtp.payments.providers import sandbox

CHUNK = 2_000


def prepare(world: World, seed: int) -> Run:
    from ewtp.accounts.models import User

    countries = dict(User.objects.filter(pk__in=[b.user_id for b in world.buyers]).values_list("pk", "country"))
    sellers = {org: a for a in world.seller_actors for org in a.org_ids}
    return Run(world, random.Random(seed * 104729), countries, sellers)


def simulate(world: World, n_orders: int, seed: int = 7, *, chunk_size: int = CHUNK,
             progress: Callable[[str, int], None] = lambda stage, n: None,
             stages: list[tuple[str, Callable[[Run, Chunk], None]]] = STAGES) -> dict:
    run = prepare(world, seed)
    with gcpolicy.batch_job():
        return _simulate(run, n_orders, chunk_size, progress, stages)


def _simulate(run: Run, n_orders: int, chunk_size: int, progress: Callable[[str, int], None],
              stages: list[tuple[str, Callable[[Run, Chunk], None]]]) -> dict:
    started, cpu_started = time.perf_counter(), time.process_time()
    clock = timezone.now()
    done = 0
    while done < n_orders:
        chunk = Chunk(min(chunk_size, n_orders - done), clock)
        for name, stage in stages:
            t0, c0 = time.perf_counter(), time.process_time()
            # audit.batch: the chunk's entries are chained at the stage's end, one head lock
            with transaction.atomic(), accounts.memoised(), audit.batch(), sandbox.simulated_clock(chunk.clock):
                stage(run, chunk)
            run.stage_seconds[name] += time.perf_counter() - t0
            run.stage_cpu_seconds[name] += time.process_time() - c0
            progress(name, chunk.size)
        done += chunk.size
        clock += timedelta(hours=1)
    seconds = time.perf_counter() - started
    run.cpu_seconds = time.process_time() - cpu_started
    return report(run, n_orders, seconds, stages)


def peak_memory_mib() -> float:
    # ru_maxrss is in KiB on Linux
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def report(run: Run, n_orders: int, seconds: float, stages=STAGES) -> dict:
    completed = run.counts["completed"]
    paid_out = Payout.objects.filter(state=Payout.PAID).count()
    return {
        "checkouts_attempted": n_orders, "orders": run.counts["orders"], "completed_lifecycles": completed,
        "refused_at_checkout": dict(run.refused), "payments_declined": run.counts["declined"],
        "cancelled": run.counts["cancelled"], "customs_rejected": run.counts["customs_rejected"],
        "customs_held": run.counts["customs_held"],
        "lost_and_claimed": run.counts["lost_and_claimed"], "returned": run.counts["returned"],
        "tracking_events": run.counts["tracking_events"], "refused_at_acceptance": run.counts["refused_accept"],
        "payouts": run.counts["payouts"], "payouts_paid": paid_out,
        "seconds": round(seconds, 2), "lifecycles_per_s": round(completed / seconds, 1) if seconds else 0.0,
        # this process's CPU time: on a shared machine, steadier than the wall clock
        "cpu_seconds": round(run.cpu_seconds, 2),
        "stage_seconds": {name: round(run.stage_seconds[name], 2) for name, _ in stages},
        "stage_cpu_seconds": {name: round(run.stage_cpu_seconds[name], 2) for name, _ in stages},
        "peak_memory_mib": peak_memory_mib(),
    }


def run_command(n_orders: int, seed: int, chunk_size: int, progress: Callable[[str], None] | None = None) -> dict:
    """`ewtp simulate`: prepare the database and the demo world (not timed), then simulate."""
    from ewtp.accounts.models import User
    from ewtp.accounts.services import actor_for_user
    from ewtp.demo import world as demo_world
    from ewtp.demo.setup import prepare_demo

    say = progress or (lambda m: None)
    if n_orders < 1 or chunk_size < 1:
        raise AppError("--orders and --chunk must be at least 1")
    prepare_demo(progress=say)
    say("building the demo world …")
    operator = actor_for_user(User.objects.get(username="operator"))
    w = demo_world.build(operator, seed, buyers=max(1000, n_orders // 50))
    say(f"simulating {n_orders} order lifecycles …")
    return simulate(w, n_orders, seed, chunk_size=chunk_size)
