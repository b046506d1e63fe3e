"""Single casework records: ``case add``, ``case update`` and ``case close``."""

from __future__ import annotations

from typing import Annotated

import typer

from ipgauge.cli.app import app
from ipgauge.cli.failures import guarded
from ipgauge.cli.options import DbOption, Reason, RecordedOn, _written
from ipgauge.cli.output import _saved
from ipgauge.errors import UserError

case_app = typer.Typer(no_args_is_help=True, help="Single casework records: add, update or close a case.")


app.add_typer(case_app, name="case")


def _amount(text: str | None, option: str) -> tuple[str, str] | None:
    """'500000 EUR' → ('500000', 'EUR')."""
    if text is None:
        return None
    parts = text.split()
    if len(parts) != 2:
        raise UserError(f"{option} takes an amount and its currency, such as {option} '500000 EUR'.")
    return parts[0], parts[1].upper()


@case_app.command("add")
@guarded
def case_add(
    case_id: Annotated[str, typer.Option("--case-id", help="The case's id (unique in the register).")],
    centre: Annotated[str, typer.Option("--centre", help="The centre's id (from centres.csv).")],
    kind: Annotated[str, typer.Option("--kind", help="risk_report, layout_report, dispute, consultation, …")],
    opened: Annotated[str, typer.Option("--opened", help="The day the case was opened.")],
    client_party: Annotated[str | None, typer.Option("--client-party", help="The client's party id.")] = None,
    client_name: Annotated[str | None, typer.Option("--client-name", help="The client's name.")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="The foreign office (US, EP …).")] = None,
    attendees: Annotated[int | None, typer.Option("--attendees", min=0, help="A training's attendance.")] = None,
    rights: Annotated[str | None, typer.Option("--rights", help="The rights concerned, ';'-separated.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it so far.")] = None,
    recorded_on: RecordedOn = None,
    reason: Reason = None,
    db: DbOption = None,
) -> None:
    """Add one case (validated like a delivery: the centre and the client party must exist)."""
    from ipgauge.register import store
    from ipgauge.services.casework import add_case

    row = {
        "case_id": case_id,
        "centre_id": centre,
        "client_party_id": client_party,
        "client_name": client_name,
        "kind": kind,
        "jurisdiction": jurisdiction,
        "opened_date": opened,
        "outcome": outcome,
        "attendees": attendees,
        "rights": rights,
    }
    _, report = add_case(store.db_path(db), row, _written(recorded_on, reason))
    _saved(f"case {case_id.strip()}", report)


@case_app.command("update")
@guarded
def case_update(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    status: Annotated[str | None, typer.Option("--status", help="open, closed or withdrawn.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    jurisdiction: Annotated[str | None, typer.Option("--jurisdiction", help="The foreign office.")] = None,
    client_name: Annotated[str | None, typer.Option("--client-name", help="The client's name.")] = None,
    attendees: Annotated[int | None, typer.Option("--attendees", min=0, help="A training's attendance.")] = None,
    closed: Annotated[str | None, typer.Option("--closed", help="The day it closed.")] = None,
    rights: Annotated[str | None, typer.Option("--rights", help="The rights concerned, ';'-separated.")] = None,
    recorded_on: RecordedOn = None,
    reason: Reason = None,
    db: DbOption = None,
) -> None:
    """Change a case: a new version, the old one kept (the register is bitemporal)."""
    from ipgauge.register import store
    from ipgauge.services.casework import update_case

    changes = {
        "status": status,
        "outcome": outcome,
        "jurisdiction": jurisdiction,
        "client_name": client_name,
        "attendees": attendees,
        "closed_date": closed,
        "rights": rights,
    }
    if all(v is None for v in changes.values()):
        raise UserError("nothing to change: give at least one of --status, --outcome, --closed, … .")
    _, report = update_case(store.db_path(db), case_id, changes, _written(recorded_on, reason))
    _saved(f"case {case_id}", report)


@case_app.command("close")
@guarded
def case_close(
    case_id: Annotated[str, typer.Argument(help="The case's id.")],
    on: Annotated[str, typer.Option("--date", help="The day it closed.")],
    outcome: Annotated[str | None, typer.Option("--outcome", help="What came of it.")] = None,
    recovered: Annotated[
        str | None, typer.Option("--recovered", help="Losses recovered: amount and currency, e.g. '500000 EUR'.")
    ] = None,
    fee: Annotated[str | None, typer.Option("--fee", help="The fee: amount and currency, e.g. '20000 CNY'.")] = None,
    recorded_on: RecordedOn = None,
    reason: Reason = None,
    db: DbOption = None,
) -> None:
    """Close a case on a date, with its outcome and any money recovered or charged (dated that day)."""
    from ipgauge.register import store
    from ipgauge.services.casework import close_case

    amounts = []
    for kind, given, option in (("recovered", recovered, "--recovered"), ("fee", fee, "--fee")):
        money = _amount(given, option)
        if money:
            amounts.append((kind, *money))
    _, report = close_case(store.db_path(db), case_id, on, outcome, amounts, _written(recorded_on, reason))
    _saved(f"case {case_id}" + (" and its amounts" if amounts else ""), report)
