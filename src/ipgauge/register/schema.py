"""The canonical register format (docs/register.md) declared as data.

Every other part of the register — the reader, the validation rules, the store's DDL, the export and
the synthetic generator — reads these declarations, so a column is named in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ipgauge.errors import UserError

PARTY_TYPES = ("enterprise", "university", "research_institute", "individual", "government", "other")
PATENT_KINDS = ("invention", "utility_model", "design", "plant")  # plant: US plant patents
TRADEMARK_KINDS = ("ordinary", "collective", "certification")
#: How a mark is drawn (the USPTO's mark drawing code): standard characters, typed (before 2003), a design
#: alone, words and a design, stylised words, or nothing to see (sound, scent).
MARK_FORMS = ("standard_characters", "typed", "design", "words_and_design", "stylized", "non_visual")
RIGHT_TYPES = ("patent", "trademark", "gi_product")
#: The service centres' casework (issue 12): what a centre is, what a case is, what an amount is.
CENTRE_KINDS = ("overseas_service", "protection", "rapid_protection", "service", "other")
CASE_KINDS = ("risk_report", "layout_report", "dispute", "consultation", "training", "other")
CASE_STATUSES = ("open", "closed", "withdrawn")
AMOUNT_KINDS = ("recovered", "fee", "damages")
#: Applications (issue 30): what is applied for, by which route, and where it stands.
APPLICATION_KINDS = (*PATENT_KINDS, "trademark")
#: national: filed at the office; pct: a PCT international application (jurisdiction WO, the receiving office
#: in pct_number); pct_national_phase: one entering the office from the PCT; madrid: an international
#: registration under the Madrid system (jurisdiction WO); madrid_designation: one extended to the office.
APPLICATION_ROUTES = ("national", "pct", "pct_national_phase", "madrid", "madrid_designation")
APPLICATION_STATUSES = ("pending", "granted", "rejected", "withdrawn", "deemed_withdrawn")
#: What happens to an application that a flow counts: the date column each fact is dated by, and (SQL)
#: which applications have it. The indicators' ``fact`` is one of these (indicators/casework.py counts them).
APPLICATION_FACTS = {
    "filed": ("filing_date", "TRUE"),
    "published": ("publication_date", "publication_date IS NOT NULL"),
    "granted": ("status_date", "status = 'granted'"),
    "decided": ("status_date", "status <> 'pending'"),
}

#: Which events apply to which right types (docs/register.md, the events table).
EVENT_RIGHTS: dict[str, tuple[str, ...]] = {
    "annuity_paid": ("patent",),
    "lapsed_unpaid_fee": ("patent",),
    "waived": ("patent",),
    "invalidated": ("patent", "trademark"),
    "partially_invalidated": ("patent",),
    "restored": ("patent", "trademark"),
    "term_extended": ("patent",),
    "renewed": ("trademark",),
    "declared": ("trademark",),  # a declaration of use filed or accepted (US §8, §71); value: its sections, '8,15'
    "cancelled": ("trademark", "gi_product"),
    "transferred": ("patent", "trademark"),
    "pledged": ("patent", "trademark"),
    "pledge_released": ("patent", "trademark"),
    "awarded": ("patent",),
    "office_event": ("patent", "trademark"),  # an office's own event kept verbatim (INPADOC): informative
}

#: Patent offices that are not countries but hold family members (EPO, WIPO/PCT, Eurasian, ARIPO, OAPI, GCC).
REGIONAL_OFFICES = ("EP", "WO", "EA", "AP", "OA", "GC")
#: Weights of the CN application-number check digit (docs/register.md); 8-digit numbers use the first 8.
CHECK_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def check_digit(digits: str) -> str:
    """The check digit of a CN application number's 12 or 8 digits (10 is written X)."""
    total = sum(int(c) * w for c, w in zip(digits, CHECK_WEIGHTS, strict=False)) % 11
    return "X" if total == 10 else str(total)


#: The kind digit of a CN application number: the fifth of 12 digits, the third of 8.
KIND_DIGITS = {"1": "invention", "8": "invention", "2": "utility_model", "9": "utility_model", "3": "design"}


#: The dates ipgauge reasons about: a date outside them is a typing error (year 0 would be stored as 1 BC).
DATE_MIN, DATE_MAX = date(1800, 1, 1), date(2199, 12, 31)


def in_range(d: date, what: str) -> date:
    """``d``, or a one-sentence error when it lies outside :data:`DATE_MIN`–:data:`DATE_MAX`."""
    if not DATE_MIN <= d <= DATE_MAX:
        raise UserError(f"{what} {d} is outside the dates ipgauge reasons about ({DATE_MIN} to {DATE_MAX}).")
    return d


def parse_knowledge_date(value: object, what: str) -> date:
    """A knowledge date K: a date, and not after today (nothing is known yet of what a later day will know)."""
    k = parse_date(value, what)
    if k > date.today():
        raise UserError(f"{what} {k} is in the future; a figure can be known at most as of today ({date.today()}).")
    return k


def parse_date(value: object, what: str) -> date:
    """A date from ISO text (or a TOML/JSON date), within the range ipgauge reasons about."""
    if isinstance(value, datetime):
        raise UserError(f"{what} {value} is a date and time; give a date (YYYY-MM-DD).")
    if not isinstance(value, date):
        if not isinstance(value, str):
            raise UserError(f"{what} {value!r} is not a date (YYYY-MM-DD, as text).")
        text = value.strip()
        try:
            if len(text) != 10 or text[4] != "-":  # fromisoformat would also take 20250101
                raise ValueError
            value = date.fromisoformat(text)
        except ValueError:
            raise UserError(f"{what} {value!r} is not a date (YYYY-MM-DD).") from None
    return in_range(value, what)


@dataclass(frozen=True)
class Column:
    """One column of a canonical file.

    ``kind`` decides parsing and the store type: text, id (an identifier: no spaces around it, since
    references to it are trimmed), date, enum, bool, int, decimal (a sum of money: digits and at most
    two decimals), currency (ISO 4217), list, country, office (a country or a regional patent office
    such as EP or WO), region (a GB/T 2260 code) or regions (a list of them).
    A ``required`` column must be in the header and non-empty in every row; an optional one may be
    left out of the header altogether.
    """

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def sql_type(self) -> str:
        """The DuckDB type of the column in the store."""
        return {
            "date": "DATE",
            "bool": "BOOLEAN",
            "list": "VARCHAR[]",
            "regions": "VARCHAR[]",
            "int": "BIGINT",
            "decimal": "DECIMAL(18,2)",
        }.get(self.kind, "VARCHAR")


@dataclass(frozen=True)
class Table:
    """One canonical file: its columns, its key, and the date that makes a first version known."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    #: Column whose date is when the register first learned of a new record (None: always known).
    known_from: str | None = None
    #: Store-only columns derived at load time (name, SQL type); never part of a delivery or export.
    derived: tuple[tuple[str, str], ...] = ()
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        return next(c for c in self.columns if c.name == name)


def _req(name: str, kind: str = "text", choices: tuple[str, ...] = ()) -> Column:
    return Column(name, kind, True, choices)


PARTIES = Table(
    "parties",
    (
        _req("party_id", "id"),
        _req("name"),
        Column("name_en"),
        _req("party_type", "enum", PARTY_TYPES),
        _req("country", "country"),
        Column("region_code", "region"),
        Column("address"),
        Column("city"),
        Column("subdivision", "subdivision"),  # ISO 3166-2 outside China, e.g. US-NY
    ),
    key=("party_id",),
    derived=(("resolved_region_code", "VARCHAR"),),
)
PATENTS = Table(
    "patents",
    (
        _req("patent_id", "id"),
        _req("jurisdiction", "country"),
        _req("kind", "enum", PATENT_KINDS),
        _req("title"),
        Column("abstract"),
        Column("claims"),
        _req("filing_date", "date"),
        Column("grant_date", "date"),
        Column("ipc", "list"),
        _req("holders", "list"),
        Column("family_id", "id"),
        Column("kind_code"),  # the office's document kind (US: B1, B2, S, E, P2 …)
        Column("cpc", "list"),
        Column("term_from", "date"),  # where the term runs from when not the filing date (US continuations)
        Column("related", "list"),  # related applications: 'relation:country number:date' items
        Column("terminal_disclaimer", "bool"),
        # cited documents, who cited them first: 'examiner:US 7844851 B2, Cosmadopoulos et al., 2010-11',
        # 'applicant:NPL <the reference as printed>' (examiner, applicant, other, third party)
        Column("citations", "list"),
    ),
    key=("patent_id",),
    known_from="filing_date",
)
CLAIMS = Table(
    "claims",
    (
        _req("patent_id", "id"),
        _req("number", "int"),
        Column("depends_on", "list"),  # the claim numbers this claim refers to (empty: independent)
        _req("text"),
    ),
    key=("patent_id", "number"),
)
FAMILIES = Table(
    "families",
    (_req("family_id", "id"), _req("jurisdiction", "office"), _req("document_number", "id")),
    key=("family_id", "jurisdiction", "document_number"),
)
TRADEMARKS = Table(
    "trademarks",
    (
        _req("trademark_id", "id"),
        _req("jurisdiction", "country"),
        _req("mark_text"),
        _req("kind", "enum", TRADEMARK_KINDS),
        _req("is_gi", "bool"),
        _req("nice_classes", "list"),
        _req("filing_date", "date"),
        _req("registration_date", "date"),
        _req("holders", "list"),
        Column("registration_number", "id"),  # the office's registration number where the id is the application's
        Column("mark_form", "enum", choices=MARK_FORMS),
        Column("publication_date", "date"),  # published for opposition
        Column("madrid_number", "id"),  # the international registration a Madrid extension comes from
        Column("design_codes", "list"),  # the Vienna / US design search codes, e.g. 260921
        Column("goods", "text"),  # the goods and services, 'class: text' per class, '; ' between classes
    ),
    key=("trademark_id",),
    known_from="filing_date",
)
GI_PRODUCTS = Table(
    "gi_products",
    (
        _req("gi_id", "id"),
        _req("name"),
        Column("name_en"),
        _req("region_codes", "regions"),
        Column("category"),
        _req("approval_date", "date"),
        Column("announcement_no"),
    ),
    key=("gi_id",),
    known_from="approval_date",
)
APPLICATIONS = Table(
    "applications",
    (
        _req("application_id", "id"),  # as the office prints it: CN202310123456.7, US17123456, PCT/CN2023/123456
        _req("jurisdiction", "office"),
        _req("kind", "enum", APPLICATION_KINDS),
        _req("route", "enum", APPLICATION_ROUTES),
        Column("title"),
        _req("filing_date", "date"),
        Column("publication_date", "date"),
        Column("publication_number", "id"),
        _req("applicants", "list"),
        Column("priority_date", "date"),  # the earliest priority claimed
        Column("priority", "list"),  # the priorities claimed: 'CC number' items, e.g. 'US 63/123,456'
        Column("pct_number", "id"),  # the PCT application (national phase) or the application itself
        Column("madrid_number", "id"),  # the international registration number
        _req("status", "enum", APPLICATION_STATUSES),
        Column("status_date", "date"),  # when it was granted, rejected or withdrawn (empty while pending)
        Column("right_id", "id"),  # the granted right: a patent_id or trademark_id of the register
        Column("ipc", "list"),
        Column("nice_classes", "list"),  # a trademark application's classes
    ),
    key=("application_id",),
    known_from="filing_date",
)
EVENTS = Table(
    "events",
    (
        _req("right_type", "enum", RIGHT_TYPES),
        _req("right_id", "id"),
        _req("event", "enum", tuple(EVENT_RIGHTS)),
        _req("effective_date", "date"),
        Column("recorded_date", "date"),
        Column("value"),
        Column("note"),
    ),
    key=("right_type", "right_id", "event", "effective_date"),
    known_from="recorded_date",
)

POPULATION = Table(
    "population",
    (_req("region_code", "region"), _req("year", "int"), _req("population", "int")),
    key=("region_code", "year"),
)

CENTRES = Table(
    "centres",
    (
        _req("centre_id", "id"),
        _req("name_zh"),
        Column("name_en"),
        _req("region_code", "region"),
        _req("kind", "enum", CENTRE_KINDS),
    ),
    key=("centre_id",),
)
CASES = Table(
    "cases",
    (
        _req("case_id", "id"),
        _req("centre_id", "id"),
        Column("client_party_id", "id"),  # empty when only the client's name is known
        Column("client_name"),
        _req("kind", "enum", CASE_KINDS),
        Column("jurisdiction", "office"),  # the foreign jurisdiction the case is about
        _req("opened_date", "date"),
        Column("closed_date", "date"),
        _req("status", "enum", CASE_STATUSES),
        Column("outcome"),
        Column("attendees", "int"),  # a training's attendance
        Column("rights", "list"),  # the rights the case concerns (a report's patents …)
    ),
    key=("case_id",),
    known_from="opened_date",
)
AMOUNTS = Table(
    "amounts",
    (
        _req("case_id", "id"),
        _req("kind", "enum", AMOUNT_KINDS),
        _req("amount", "decimal"),
        _req("currency", "currency"),
        _req("date", "date"),
    ),
    key=("case_id", "kind", "currency", "date"),
    known_from="date",
)

#: Load order: a table's references point only to tables before it.
TABLES: tuple[Table, ...] = (
    PARTIES,
    PATENTS,
    CLAIMS,
    FAMILIES,
    TRADEMARKS,
    GI_PRODUCTS,
    APPLICATIONS,
    EVENTS,
    POPULATION,
    CENTRES,
    CASES,
    AMOUNTS,
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
