"""Validation rules, written as SQL over a staging table so that millions of rows are checked set-wise.

Each rule is a condition that is true for a bad row and a message naming the column; a row's
``_reason`` joins every message that applies, so one pass reports all of a row's problems. Rules
that need other rows (references, conflicting duplicates) are joins, built in :mod:`validate`.
"""

from __future__ import annotations

from collections.abc import Iterator

from ipgauge.register.schema import (
    CHECK_WEIGHTS,
    DATE_MAX,
    DATE_MIN,
    EVENT_RIGHTS,
    KIND_DIGITS,
    REGIONAL_OFFICES,
    Column,
    Table,
)
from ipgauge.sqltext import day, quoted

Rule = tuple[str, str]  # (condition true for a bad row, SQL expression of the message)

#: C0 control characters other than tab, line feed and carriage return (NUL is tested apart), and DEL.
CONTROL = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]"
#: The same characters and NUL, for the screen that looks at a row's text columns at once.
CONTROL_OR_NUL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
DATE_PATTERN = "\\d{4}-\\d{2}-\\d{2}"
DATES = f"{day(DATE_MIN)} AND {day(DATE_MAX)}"
#: The temporary table of region codes (current and retired) that :func:`validate.prepare` creates.
REGION_CODES = "_region_codes"
#: A Nice class, 1 to 45, as plainly written.
NICE = "([1-9]|[1-3][0-9]|4[0-5])"


def _items(col: str) -> str:
    return f"list_transform(string_split({col}, ';'), lambda x: trim(x))"


def _empty_item(col: str) -> str:
    """True when an item of the ';'-list is empty or spaces: one regular expression, no list built per row."""
    return f"regexp_matches({col}, '(^|;) *(;|$)')"


#: The kinds of column that may hold any text, so that the control-character rule applies to them
#: (other kinds only take values from a short list or a pattern).
TEXT_KINDS = ("text", "id", "list")
#: What a screen's name starts with (:func:`precomputed`); the control-character rules' screen.
SCREEN = "_screen_"
SCREEN_CONTROL = f"{SCREEN}control"


#: A CN application number's digits after 'CN' as one number (NULL when they are not digits).
CN_NUMBER = "_cn_number"
#: The tables keyed by a CN application number, and its column.
CN_NUMBERED = {"patents": "patent_id", "applications": "application_id"}


def precomputed(table: Table) -> dict[str, str]:
    """Per-row values the rules read, computed once before them (name → SQL); they are not stored.

    Screens are flags, each true whenever a rule it screens could fire. A screened rule reads
    ``screen AND (its condition)``, so on the rows a screen clears (nearly all) its rules cost one
    test instead of several: one regular expression over all of a row's text columns instead of two
    tests per column, one pattern and one cast per date instead of two of each. A screen decides
    nothing on its own (a rule's verdict and message are its condition's): the rules with every
    screen set to TRUE (:func:`unscreened`) give the same reasons (tests/test_validation.py). The
    CN number is read by the check-digit rule twelve times, and was cast each time. Measured on
    slices of the national synthetic files: the trademarks' rules 6.7 s → 5.2 s per 10.8 million
    rows, the events' 2.9 s → 1.8 s per 5.6 million, the check digit 1.1 s → 0.35 s per 2.5 million.
    """
    found = {}
    if n := CN_NUMBERED.get(table.name):
        found[CN_NUMBER] = f"TRY_CAST(substr({n}, 3, CASE len({n}) WHEN 16 THEN 12 ELSE 8 END) AS BIGINT)"
    if texts := [
        c.name for c in table.columns if c.kind in TEXT_KINDS
    ]:  # concat skips NULLs and cannot make a character that no value holds
        found[SCREEN_CONTROL] = f"regexp_matches(concat({', '.join(texts)}), '{CONTROL_OR_NUL}')"
    for c in table.columns:
        if c.kind == "date":
            n = c.name
            found[SCREEN + n] = (
                f"{n} IS NOT NULL AND NOT coalesce(regexp_full_match({n}, '{DATE_PATTERN}') "
                f"AND try_cast({n} AS DATE) BETWEEN {DATES}, false)"
            )
    return found


def unscreened(table: Table) -> dict[str, str]:
    """:func:`precomputed` with every screen set to TRUE: the rules then test every row in full (their oracle)."""
    return {name: "TRUE" if name.startswith(SCREEN) else sql for name, sql in precomputed(table).items()}


#: A kind's test of a value that is there (``{n}``: the column) and what a value failing it is not.
VALUE_RULES = {
    "int": ("NOT regexp_full_match({n}, '[0-9]{{1,15}}')", "is not a whole number"),
    "decimal": (
        "NOT regexp_full_match({n}, '[0-9]{{1,15}}(\\.[0-9]{{1,2}})?')",
        "is not an amount (digits, at most two decimals, no sign or separators)",
    ),
    "currency": (
        "NOT list_contains(getvariable('ipgauge_currencies'), {n})",
        "is not an ISO 4217 currency code such as CNY, USD or EUR",
    ),
    "bool": ("{n} NOT IN ('true', 'false')", "is not true or false"),
    "country": (
        "NOT list_contains(getvariable('ipgauge_countries'), {n})",
        "is not an ISO 3166-1 alpha-2 country code",
    ),
    "subdivision": (
        "NOT regexp_full_match({n}, '[A-Z]{{2}}-[A-Z0-9]{{1,3}}')",
        "is not an ISO 3166-2 subdivision code such as US-NY",
    ),
    "region": (  # a hash join, not a list scan
        f"{{n}} NOT IN (SELECT code FROM {REGION_CODES})",
        "is not a GB/T 2260 region code, current or retired",
    ),
}


def column_rules(c: Column) -> Iterator[Rule]:
    """The rules every column of this kind obeys."""
    n = c.name
    if c.required:
        yield f"{n} IS NULL", quoted(f"{n}: is required")
    if c.kind in TEXT_KINDS:
        yield (
            f"{SCREEN_CONTROL} AND {n} IS NOT NULL AND (contains({n}, chr(0)) OR regexp_matches({n}, '{CONTROL}'))",
            quoted(f"{n}: holds a control character (such as NUL), which no register value has"),
        )
    if c.kind == "id":
        yield (
            f"{n} IS NOT NULL AND {n} <> trim({n})",
            quoted(f"{n}: has spaces around it, so nothing could refer to it"),
        )
    if c.kind == "date":
        screen = SCREEN + n
        yield (
            f"{screen} AND (NOT regexp_full_match({n}, '{DATE_PATTERN}') OR try_cast({n} AS DATE) IS NULL)",
            f"{quoted(n + ': ')} || {n} || ' is not a date that exists (YYYY-MM-DD)'",
        )
        yield (
            f"{screen} AND regexp_full_match({n}, '{DATE_PATTERN}') AND try_cast({n} AS DATE) NOT BETWEEN {DATES}",
            f"{quoted(n + ': ')} || {n} || {quoted(f' is outside {DATE_MIN.year}-{DATE_MAX.year}')}",
        )
    elif c.kind == "enum":
        yield (
            f"{n} IS NOT NULL AND {n} NOT IN ({', '.join(map(quoted, c.choices))})",
            f"{quoted(n + ': ')} || {n} || {quoted(' is not one of ' + ', '.join(c.choices))}",
        )
    elif c.kind in VALUE_RULES:
        bad, says = VALUE_RULES[c.kind]
        yield f"{n} IS NOT NULL AND {bad.format(n=n)}", f"{quoted(n + ': ')} || {n} || {quoted(' ' + says)}"
    elif c.kind == "office":
        yield (
            f"{n} IS NOT NULL AND NOT list_contains(getvariable('ipgauge_countries'), {n}) "
            f"AND {n} NOT IN ({', '.join(map(quoted, REGIONAL_OFFICES))})",
            f"{quoted(n + ': ')} || {n} || ' is neither a country code nor a regional patent office (EP, WO, ...)'",
        )
    elif c.kind == "regions":
        bad = f"list_filter({_items(n)}, lambda x: NOT list_contains(getvariable('ipgauge_regions'), x))"
        yield (
            f"{n} IS NOT NULL AND len({bad}) > 0",
            f"{quoted(n + ': ')} || array_to_string({bad}, ', ') || ' not a GB/T 2260 region code, current or retired'",
        )
    if c.kind in ("list", "regions"):
        yield f"{n} IS NOT NULL AND {_empty_item(n)}", quoted(f"{n}: has an empty item")


def _weighted_digits(n: int) -> str:
    """The weighted sum of the ``n`` digits after 'CN', as integer arithmetic on the number they make.

    Whole-column arithmetic: a lambda over each digit's regular-expression extract cost four times
    as much, and taking each digit as a character (``ascii(patent_id[i])``) still made this the
    dearest of the patents' rules. The number is :data:`CN_NUMBER`, cast once per row.
    """
    return " + ".join(f"({CN_NUMBER} // {10 ** (n - i)} % 10) * {w}" for i, w in enumerate(CHECK_WEIGHTS[:n], start=1))


def _cn_number_rules(n: str = "patent_id", cn: str = "jurisdiction = 'CN'") -> Iterator[Rule]:
    """The rules of a CN application number in column ``n``, on the rows where ``cn`` holds."""
    # only applied to well-formed numbers: 'CN', 12 digits (16 characters in all) or 8, a dot, a check digit
    total = f"(CASE len({n}) WHEN 16 THEN {_weighted_digits(12)} ELSE {_weighted_digits(8)} END)"
    expected = f"'0123456789X'[{total} % 11 + 1]"  # 10 is written X
    well_formed = f"regexp_full_match({n}, 'CN(\\d{{12}}|\\d{{8}})\\.[0-9X]')"
    cn = f"{cn} AND {n} IS NOT NULL"
    yield (
        f"{cn} AND NOT {well_formed}",
        f"'{n}: ' || {n} || ' is not a CN application number (CN + 12 or 8 digits, a dot, a check digit)'",
    )
    yield (
        f"{cn} AND {well_formed} AND right({n}, 1) <> {expected}",
        f"'{n}: ' || {n} || ' fails its check digit (expected ' || {expected} || ')'",
    )
    kind_digit = f"(CASE len({n}) WHEN 16 THEN {n}[7] ELSE {n}[5] END)"
    mapping = " ".join(f"WHEN '{d}' THEN '{k}'" for d, k in KIND_DIGITS.items())
    number_kind = f"(CASE {kind_digit} {mapping} END)"
    yield (
        f"{cn} AND {well_formed} AND kind IS NOT NULL AND {number_kind} IS DISTINCT FROM kind",
        f"'kind: ' || kind || ' does not match the kind digit ' || {kind_digit} || ' of ' || {n}",
    )


_IPC_RULE: Rule = (
    f"ipc IS NOT NULL AND len(list_filter({_items('ipc')}, "
    "lambda x: NOT regexp_full_match(x, '[A-H]\\d{2}[A-Z] ?\\d{1,4}/\\d{1,6}'))) > 0",
    "'ipc: ' || ipc || ' holds a symbol that is not an IPC group such as G06F 16/31'",
)
#: Nice classes 1-45; the plain form ("9;35;42") settles almost every row without building a list.
_NICE_RULE: Rule = (
    f"nice_classes IS NOT NULL AND NOT regexp_full_match(nice_classes, '{NICE}(;{NICE})*') "
    f"AND len(list_filter({_items('nice_classes')}, "
    "lambda x: coalesce(try_cast(x AS INTEGER), 0) NOT BETWEEN 1 AND 45)) > 0",
    "'nice_classes: ' || nice_classes || ' holds a class outside 1-45'",
)


def _application_rules() -> list[Rule]:
    """An application's dates in order, its status consistent, its CN number checked like a patent's."""
    decided = "status IN ('granted', 'rejected', 'withdrawn', 'deemed_withdrawn')"
    return [
        _after("publication_date", "filing_date"),
        _after("status_date", "filing_date"),
        _after("filing_date", "priority_date"),
        (f"{decided} AND status_date IS NULL", "'status_date: a ' || status || ' application needs the date of it'"),
        ("status = 'pending' AND status_date IS NOT NULL", "'status_date: a pending application has none'"),
        ("status = 'granted' AND right_id IS NULL AND jurisdiction <> 'WO'",
         "'right_id: a granted application names its right (the patent_id or trademark_id)'"),
        ("status <> 'granted' AND right_id IS NOT NULL", "'right_id: only a granted application has a right'"),
        ("route IN ('pct', 'madrid') AND jurisdiction <> 'WO'",
         "'jurisdiction: ' || jurisdiction || ' for a ' || route || ' application (WO: filed under the PCT or "
         "the Madrid system)'"),
        ("route NOT IN ('pct', 'madrid') AND jurisdiction = 'WO'",
         "'route: ' || route || ' for a WO application (pct or madrid)'"),
        ("route IN ('madrid', 'madrid_designation') AND kind <> 'trademark'",
         "'route: ' || route || ' for a ' || kind || ' application (the Madrid system registers trademarks)'"),
        ("route IN ('pct', 'pct_national_phase') AND kind = 'trademark'",
         "'route: ' || route || ' for a trademark application (the PCT is for patents)'"),
        ("route IN ('pct', 'pct_national_phase') AND pct_number IS NULL",
         "'pct_number: a ' || route || ' application names its PCT application'"),
        *_cn_number_rules("application_id", "jurisdiction = 'CN' AND kind <> 'trademark'"),
        _IPC_RULE,
        *(_not_after_recorded(c, "nothing dated after a delivery can be in it")
          for c in ("filing_date", "publication_date", "status_date")),
        ("route = 'pct' AND status = 'granted'",
         "'status: a PCT international application is not granted (its national phases are)'"),
    ]  # fmt: skip


def _after(later: str, earlier: str) -> Rule:
    return (
        f"try_cast({later} AS DATE) < try_cast({earlier} AS DATE)",
        f"{quoted(later + ': ')} || {later} || {quoted(' is before ' + earlier + ' ')} || {earlier}",
    )


#: a training's attendance: the largest provincial IP trainings (online, several venues) count a few thousand
MAX_ATTENDEES = 10_000


def _not_after_recorded(column: str, why: str) -> Rule:
    """A date after the delivery's recorded date (the variable ``ipgauge_recorded``, set by the load)."""
    return (
        f"try_cast({column} AS DATE) > getvariable('ipgauge_recorded')",
        f"{quoted(column + ': ')} || {column} || ' is after the delivery was recorded (' || "
        f"getvariable('ipgauge_recorded') || {quoted('): ' + why)}",
    )


def _fx_rules() -> Iterator[Rule]:
    """An amount ipgauge can never convert to CNY and USD at ECB rates is refused at the edge, with why."""
    known = "list_contains(getvariable('ipgauge_currencies'), currency)"
    fx = "getvariable('ipgauge_fx')[currency]"
    yield (
        f"{known} AND {fx} IS NULL",
        "'currency: the ECB publishes no reference rate for ' || currency || ', so the amount cannot be converted "
        "to CNY and USD; give it in a quoted currency (CNY, USD, EUR …) and the original in the case''s outcome'",
    )
    yield (
        f"{known} AND try_cast(date AS DATE) < ({fx}).first",
        f"'date: the ECB reference rates for ' || currency || ' in CNY and USD begin on ' || ({fx}).first",
    )
    yield (
        f"{known} AND ({fx}).stop IS NOT NULL AND try_cast(date AS DATE) > ({fx}).stop",
        f"'date: the ECB stopped publishing a reference rate for ' || currency || ' after ' || ({fx}).ended || "
        "'; give the amount in a quoted currency'",
    )


def _event_value_rules() -> Iterator[Rule]:
    def need(events: tuple[str, ...], ok: str, what: str) -> Rule:
        names = ", ".join(map(quoted, events))
        return (
            f"event IN ({names}) AND NOT coalesce({ok}, false)",
            f"'value: ' || coalesce(value, '(empty)') || ' is not ' || {quoted(what)} || ' for ' || event",
        )

    yield need(("annuity_paid",), "regexp_full_match(value, '[1-9][0-9]?')", "a fee year (1-99)")
    yield need(  # 0: lapsed before any fee was paid (a US patent that never paid its 3.5-year fee)
        ("lapsed_unpaid_fee",), "regexp_full_match(value, '[0-9]{1,2}')", "the last fee year paid (0-99)"
    )
    yield need(("term_extended",), "regexp_full_match(value, '[1-9][0-9]{0,4}')", "a positive number of days")
    yield need(
        ("renewed",),
        f"try_cast(value AS DATE) BETWEEN {DATES} AND regexp_full_match(value, '{DATE_PATTERN}')",
        f"a new expiry date (YYYY-MM-DD, {DATE_MIN.year}-{DATE_MAX.year})",
    )
    yield need(  # empty: the amount is not known (CNIPA's legal status publishes none)
        ("pledged", "pledge_released"),
        "value IS NULL OR regexp_full_match(value, '\\d+(\\.\\d+)? [A-Z]{3}')",
        "an amount and currency such as 12000000 CNY, or empty",
    )
    yield need(("transferred",), f"value IS NOT NULL AND NOT {_empty_item('value')}", "a list of new holders")
    yield need(("awarded",), "value IS NOT NULL", "an award name")


def _case_rules() -> list[Rule]:
    """A case's own rules: its id, dates, client, status, attendance."""
    rules: list[Rule] = []
    rules.append(_after("closed_date", "opened_date"))
    rules.append(
        (
            "lower(case_id) LIKE '%.json' OR lower(case_id) LIKE '%.csv'",
            "'case_id: ' || case_id || ' ends in .json or .csv, which the API reads as a format'",
        )
    )
    rules.append(
        (
            "nullif(trim(client_party_id), '') IS NULL AND nullif(trim(client_name), '') IS NULL",
            quoted("client_party_id: neither the client's party id nor its name is given"),
        )
    )
    rules.append(
        (
            "status = 'closed' AND closed_date IS NULL",
            "'closed_date: a closed case needs the date it closed'",
        )
    )
    rules.append(
        (
            "status = 'open' AND closed_date IS NOT NULL",
            "'closed_date: an open case has no closing date (close it, or leave the date out)'",
        )
    )
    rules += [_not_after_recorded("opened_date", "a case is recorded once opened"),
              _not_after_recorded("closed_date", "a case is recorded once closed")]  # fmt: skip
    rules.append(("attendees IS NOT NULL AND kind <> 'training'", "'attendees: only a training has attendees'"))
    rules.append(
        (
            f"regexp_full_match(attendees, '[0-9]{{1,15}}') AND CAST(attendees AS BIGINT) > {MAX_ATTENDEES}",
            f"'attendees: ' || attendees || ' is not a plausible attendance (at most {MAX_ATTENDEES:,})'",
        )
    )
    return rules


def table_rules(table: Table) -> list[Rule]:
    """Every row-level rule of ``table``: its columns' rules and the table's own."""
    rules = [r for c in table.columns for r in column_rules(c)]
    if table.name == "patents":
        rules += [*_cn_number_rules(), _after("grant_date", "filing_date"), _IPC_RULE]
    elif table.name == "trademarks":
        rules.append(_after("registration_date", "filing_date"))
        rules.append(
            (
                "jurisdiction = 'CN' AND trademark_id IS NOT NULL "
                "AND NOT regexp_full_match(trademark_id, '[1-9][0-9]{0,9}')",
                "'trademark_id: ' || trademark_id || ' is not a CN registration number (digits, no leading zero)'",
            )
        )
        rules.append(
            (
                "jurisdiction = 'US' AND trademark_id IS NOT NULL "
                "AND NOT regexp_full_match(trademark_id, 'USTM[0-9]{8}')",
                "'trademark_id: ' || trademark_id || ' is not a US trademark id (USTM and the 8-digit serial number)'",
            )
        )
        rules.append(_NICE_RULE)
    elif table.name == "applications":
        rules += [*_application_rules(), _NICE_RULE]
    elif table.name == "cases":
        rules += _case_rules()
    elif table.name == "amounts":
        rules.append(
            (
                "regexp_full_match(amount, '[0-9.]+') AND try_cast(amount AS DECIMAL(18,2)) = 0",
                "'amount: 0 is not an amount (leave the row out)'",
            )
        )
        rules += list(_fx_rules())
        rules.append(_not_after_recorded("date", "an amount is recorded on or after its date"))
    elif table.name == "population":
        rules.append(
            (
                "regexp_full_match(year, '[0-9]{1,15}') AND CAST(year AS BIGINT) NOT BETWEEN 1949 AND 2100",
                "'year: ' || year || ' is not a plausible census or estimate year'",
            )
        )
        rules.append(
            (
                "regexp_full_match(population, '[0-9]{1,15}') AND CAST(population AS BIGINT) = 0",
                "'population: 0 is not a population (per-10,000 figures divide by it)'",
            )
        )
    elif table.name == "events":
        applies = " OR ".join(
            f"(event = {quoted(e)} AND right_type IN ({', '.join(map(quoted, rights))}))"
            for e, rights in EVENT_RIGHTS.items()
        )
        rules.append(
            (
                f"event IS NOT NULL AND right_type IS NOT NULL AND list_contains({list(EVENT_RIGHTS)}, event) "
                f"AND NOT ({applies})",
                "'event: ' || event || ' does not apply to a ' || right_type",
            )
        )
        rules += list(_event_value_rules())
    return rules


def reason_sql(rules: list[Rule]) -> str:
    """One expression joining the messages of every rule a row breaks ('' when it breaks none)."""
    return "concat_ws('; ', " + ", ".join(f"CASE WHEN {c} THEN {m} END" for c, m in rules) + ")"
