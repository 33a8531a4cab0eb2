"""`ewtp quote FILE.json [--json]` and `ewtp rules validate`.

Registered in ewtp/cli.py without a name, so `quote` is a top-level command and `rules` a group.
Errors are AppErrors, which ewtp.cli.main prints as one line with exit status 1.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ewtp.config import setup_django
from ewtp.core.errors import BadRequest, ValidationFailed

app = typer.Typer(add_completion=False)
rules_app = typer.Typer(help="Rule packs: dated, cited rules per jurisdiction.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
console = Console(soft_wrap=True)



@app.command("quote")
def quote_cmd(
    file: Annotated[Path, typer.Argument(help="quote request (JSON); - for standard input")],
    as_json: Annotated[bool, typer.Option("--json", help="print the engine's JSON answer")] = False,
) -> None:
    """Quote duty and import tax for the basket in FILE."""
    setup_django()
    from ewtp.rules.engine import quote

    try:
        text = typer.get_text_stream("stdin").read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadRequest(f"cannot read {file}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValidationFailed.field("body", f"{file} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    result = quote(data)
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    r = result
    console.print(f"[bold]{r['destination']}[/bold] {r['date']} · {r['regime']['name']} "
                  f"({'low value' if r['regime']['low_value'] else 'standard'}, collected at {r['regime']['collection']})")
    v = r["values"]
    console.print(f"values ({r['currency']}): threshold {v['threshold']} · customs {v['customs']} · "
                  f"tax base {v['tax_base']}")
    t = Table("line", "kind", "name", "base", "rate", "amount", "collected", "rule")
    for c in r["charges"]:
        t.add_row(str(c["line"] or "-"), c["kind"], c["name"], c["base"], c["rate"] or "-", c["amount"],
                  c["collected_at"], f"{c['rule']['id']} v{c['rule']['version']}")
    console.print(t)
    tot = r["totals"]
    console.print(f"duty {tot['duty']} · tax {tot['tax']} · fees {tot['fees']} · at checkout {tot['at_checkout']} "
                  f"· at border {tot['at_border']} ({r['currency']})")
    for f in r["fx"]:
        console.print(f"fx: 1 {f['from']} = {f['rate']} {f['to']} ({f['source']} {f['date']})")
    for i, s in enumerate(r["explanation"], 1):
        console.print(f"{i}. {s}")


@rules_app.command("validate")
def validate() -> None:
    """Check every rule pack and tariff file: schema, overlapping dates, missing sources."""
    setup_django()
    from ewtp.rules.packs import validate_all
    from ewtp.rules.tariffs.check import check_tariffs

    count, problems = validate_all()
    lines, tproblems = check_tariffs()
    problems += tproblems
    for p in problems:
        console.print(f"[red]problem[/red] {p}")
    if problems:
        raise ValidationFailed(f"{len(problems)} problem(s) in the rule packs", fields={"packs": problems[:1]})
    console.print(f"{count} rules in {len(__import__('ewtp.rules.packs', fromlist=['x']).pack_files())} packs "
                  f"and {lines} tariff lines: all valid")
