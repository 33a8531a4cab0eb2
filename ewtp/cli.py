"""The `ewtp` command. Errors print as one line on stderr with a non-zero exit."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer
from rich.console import Console

from ewtp.config import setup_django
from ewtp.customs.cli import app as customs_app
from ewtp.logistics.cli import app as logistics_app
from ewtp.market import cli as market_cli
from ewtp.payments import cli as payments_cli
from ewtp.rules import cli as rules_cli

app = typer.Typer(help="eWTP hub: run, set up and inspect the hub.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
refdata_app = typer.Typer(help="Reference data (countries, currencies, HS codes).", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(refdata_app, name="refdata")
app.add_typer(rules_cli.app)  # `ewtp quote`, `ewtp rules ...`
app.add_typer(payments_cli.ledger_app, name="ledger")
app.add_typer(payments_cli.payments_app, name="payments")
app.add_typer(market_cli.app, name="market")
app.add_typer(customs_app, name="customs")
app.add_typer(logistics_app, name="logistics")
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


class CliError(Exception):
    """A problem the user can fix; printed as one line."""



@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    console.print("database schema is up to date")


@refdata_app.command("load")
def refdata_load() -> None:
    """Load countries, currencies and the HS 2022 nomenclature from the repo's files."""
    setup_django()
    from ewtp.rules.refdata import load_reference_data

    c = load_reference_data()
    console.print(f"loaded {c.countries} countries, {c.currencies} currencies, "
                  f"{c.hs_sections} HS sections and {c.hs_codes} HS codes")


@app.command()
def createuser(
    username: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option(help="buyer, seller, hub_operator, customs_officer, logistics_partner, "
                                           "payment_partner or analyst")],
    email: Annotated[str, typer.Option(help="e-mail address")] = "",
    jurisdiction: Annotated[str, typer.Option(help="customs officers: ISO country code or EU")] = "",
    organisation: Annotated[str, typer.Option(help="name of an existing organisation to join")] = "",
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2")] = "",
) -> None:
    """Create a user with a role; the password is read from EWTP_PASSWORD or asked for."""
    setup_django()
    from ewtp.accounts.models import Organisation
    from ewtp.accounts.services import create_user
    from ewtp.core.actor import Role

    if role not in Role.ALL:
        raise CliError(f"unknown role {role!r}; one of {', '.join(Role.ALL)}")
    password = os.environ.get("EWTP_PASSWORD") or typer.prompt("password", hide_input=True,
                                                                confirmation_prompt=True)
    org = None
    if organisation:
        org = Organisation.objects.filter(name=organisation).first()
        if org is None:
            raise CliError(f"no organisation named {organisation!r}")
    user = create_user("cli", username=username, email=email or f"{username}@example.invalid", password=password,
                       role=role, jurisdiction=jurisdiction.upper(), country=country.upper(), organisation=org)
    console.print(f"created {user.role} {user.username}")


@app.command()
def check() -> None:
    """Check configuration and database health; non-zero exit on any problem."""
    setup_django()
    from ewtp.web.health import run_checks

    problems = 0
    for ok, line in run_checks():
        console.print(("[green]ok[/green]   " if ok else "[red]FAIL[/red] ") + line)
        problems += not ok
    if problems:
        raise CliError(f"{problems} check(s) failed")


@audit_app.command("verify")
def audit_verify() -> None:
    """Recompute the audit chain's hashes; non-zero exit if anything was altered."""
    setup_django()
    from ewtp.core.audit import verify

    result = verify()
    if not result.ok:
        raise CliError(f"audit log is NOT intact after {result.entries} entries: {result.problem}")
    console.print(f"audit log intact: {result.entries} entries verified")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    threads: Annotated[int, typer.Option(help="threads running the hub's code at once per worker "
                                              "(0: 1 on SQLite, 4 on PostgreSQL; see ewtp/core/server.py)")] = 0,
    workers: Annotated[int, typer.Option(help="worker processes (one core each)")] = 1,
    jobs_every: Annotated[float, typer.Option(help="seconds between ticks of `ewtp jobs` run beside the server "
                                                   "(0: do not run them)")] = 5.0,
) -> None:
    """Serve the hub over HTTP until Ctrl-C, with its scheduled jobs in a process of their own."""
    setup_django()
    import subprocess

    from ewtp.core.server import serve as serve_hub

    jobs = None
    if jobs_every > 0:  # a process, not a thread: the server may fork workers
        jobs = subprocess.Popen([sys.executable, "-m", "ewtp.cli", "jobs", "--every", str(jobs_every),  # noqa: S603
                                 "--quiet"])
        console.print(f"scheduled jobs every {jobs_every:g} s (payments, orders, customs, escrow release)")
    console.print(f"serving the hub at http://{host}:{port}  (Ctrl-C to stop)")
    try:
        serve_hub(host, port, threads or None, workers)
    finally:
        if jobs is not None:
            jobs.terminate()
            jobs.wait(timeout=10)


@app.command()
def jobs(
    every: Annotated[float, typer.Option(help="seconds between ticks; 0 runs one tick and exits")] = 0.0,
    quiet: Annotated[bool, typer.Option(help="print only ticks that did something, and errors")] = False,
) -> None:
    """The hub's scheduled work: SANDBOX webhooks, payment capture into escrow, order sync
    (payments, customs, shipments, returns) and escrow auto-release. Idempotent."""
    setup_django()
    import json

    from ewtp.jobs import run_forever, tick

    def show(r: dict) -> None:
        if not quiet or r.get("error") or any(v for v in r.values()):
            print(json.dumps(r, default=str), flush=True)

    if every <= 0:
        show(tick())
        return
    import contextlib

    with contextlib.suppress(KeyboardInterrupt):
        run_forever(every, show)


@app.command()
def demo(
    serve_after: Annotated[bool, typer.Option("--serve/--no-serve", help="serve the hub afterwards")] = True,
    orders: Annotated[int, typer.Option(help="checkouts to simulate in the trading day")] = 300,
    buyers: Annotated[int, typer.Option(help="simulated buyers across the rule-pack jurisdictions")] = 1000,
    seed: Annotated[int, typer.Option(help="seed: the same seed gives the same world and day")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
    reset_passwords: Annotated[bool, typer.Option(help="issue new passwords for the demo accounts")] = False,
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Build the demo world on the embedded database, run a trading day through every service
    (checkout, payment, customs, carriers, delivery, returns, escrow release, payouts),
    print the summary and the demo accounts, then serve the hub."""
    setup_django()
    import json

    from rich.progress import Progress

    from ewtp.accounts.models import User
    from ewtp.accounts.services import actor_for_user
    from ewtp.demo import lifecycle, world
    from ewtp.demo.newcomer import demo_buyer_orders
    from ewtp.demo.setup import prepare_demo
    from ewtp.demo.stages import STAGES
    from ewtp.demo.summary import summary

    report = prepare_demo(reset_passwords=reset_passwords, progress=lambda m: None if as_json else console.print(m))
    operator = actor_for_user(User.objects.get(username="operator"))
    with Progress(console=err_console if as_json else console, transient=as_json) as bar:
        t1 = bar.add_task("sellers and catalogues", total=sum(len(g["names"]) for g in world.DATA["sellers"]))
        w = world.build(operator, seed, buyers=buyers, progress=lambda n: bar.advance(t1, n))
        bar.update(t1, completed=bar.tasks[t1].total)
        tasks = {name: bar.add_task(name.replace("_", " "), total=orders) for name, _ in STAGES}
        day = lifecycle.simulate(w, orders, seed, chunk_size=100,
                                 progress=lambda stage, n: bar.advance(tasks[stage], n))
        day["demo_buyer"] = demo_buyer_orders(w, seed)  # the `buyer` account's own orders
    result = summary(day)
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        console.print_json(data=result)
        console.print(report.render())
    if serve_after:
        serve(port=port)


@app.command()
def simulate(
    orders: Annotated[int, typer.Option(help="checkouts to take from cart to payout")] = 2000,
    seed: Annotated[int, typer.Option(help="seed: the same seed gives the same world and orders")] = 7,
    chunk: Annotated[int, typer.Option(help="orders per chunk (bounds memory)")] = 2000,
    as_json: Annotated[bool, typer.Option("--json", help="print the summary as JSON")] = False,
) -> None:
    """Complete order lifecycles (checkout to payout) through the services, no web server; prints
    lifecycles per second, the per-stage split and peak memory. Builds the demo world first."""
    setup_django()
    import json

    from ewtp.demo.lifecycle import run_command

    result = run_command(orders, seed, chunk, progress=None if as_json else console.print)
    print(json.dumps(result, indent=2)) if as_json else console.print_json(data=result)


def main() -> None:
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from ewtp.core.errors import AppError

    try:
        app(standalone_mode=False)
    except (CliError, ImproperlyConfigured, DatabaseError) as exc:
        err_console.print(f"error: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}")
        sys.exit(1)
    except AppError as exc:
        fields = "; ".join(f"{k}: {', '.join(v)}" for k, v in exc.fields.items())
        err_console.print(f"error: {fields or exc.message}")
        sys.exit(1)
    except (typer.Exit, SystemExit) as exc:
        code = getattr(exc, "exit_code", getattr(exc, "code", 0))
        sys.exit(code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
