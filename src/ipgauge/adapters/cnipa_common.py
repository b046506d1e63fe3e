"""What CNIPA's adapters share: application numbers and their check digit, parties by their name and place.

A CN application number is printed ``CN202111286633.X`` (the register's form: ``CN``, 12 digits since
2003 or 8 before, a dot, the check character), ``202111286633X``, ``ZL202111286633.X``, or in the
*standard* form of the new XML, ``102021001286633``: the two-digit ``applType`` (10 invention, 11 PCT
invention, 20 utility model, 21 PCT utility model, 30 design), the year, the serial on nine digits,
no check character. Every form comes back as the register's; a check character that does not match
the number is a reject, never corrected.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from ipgauge.adapters.delivery import DeliveryWriter
from ipgauge.adapters.uspto_xml import Malformed
from ipgauge.regions.countries import countries
from ipgauge.register.schema import KIND_DIGITS, check_digit

#: ``applType`` of the new XML → the kind digit of the number (11 and 21: entered from the PCT).
APPL_TYPES = {"10": "1", "11": "8", "20": "2", "21": "9", "30": "3"}
_ORIGINAL = re.compile(r"^(?:CN|ZL)?\s*(\d{12}|\d{8})\s*\.?\s*([0-9Xx]?)$")
_STANDARD = re.compile(r"^(\d{2})(\d{4})(\d{9})$")


def application_id(text: str | None, what: str = "application number") -> str:
    """The register's form of a CN application number in any printed form; a wrong check character is Malformed."""
    raw = re.sub(r"\s+", "", text or "").upper()
    m = _STANDARD.match(raw)
    if m and m.group(1) in APPL_TYPES:
        year, serial, kind = m.group(2), m.group(3), APPL_TYPES[m.group(1)]
        # 12 digits from 2003-10-01 (a 2003 serial of six digits or more is one); 8 before: YY, kind, 5 digits
        twelve = int(year) >= 2004 or (year == "2003" and int(serial) >= 100_000)
        digits = f"{year}{kind}{serial[-7:]}" if twelve else f"{year[2:]}{kind}{serial[-5:]}"
        return f"CN{digits}.{check_digit(digits)}"
    m = _ORIGINAL.match(raw)
    if not m:
        raise Malformed(f"{what} {text!r} is not a CN application number")
    digits, given = m.group(1), m.group(2)
    expected = check_digit(digits)
    if given and given != expected:
        raise Malformed(f"{what} {text!r} fails its check digit (expected {expected}, found {given})")
    return f"CN{digits}.{expected}"


def number_kind(application: str) -> str:
    """The kind the number's kind digit says (the fifth of 12 digits, the third of 8)."""
    digits = application[2:-2]
    return KIND_DIGITS.get(digits[4] if len(digits) == 12 else digits[2], "")


# -- parties -------------------------------------------------------------------------------------------
_POSTCODE = re.compile(r"^\s*\d{6}\s*")  # an address text's leading postcode
_INDIVIDUAL = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
#: Name endings → party type, most specific first (a 研究院有限公司 is a company).
_TYPE_WORDS = (
    (
        "enterprise",
        (
            "公司",
            "厂",
            "集团",
            "企业",
            "合作社",
            "商行",
            "事务所",
            "Inc.",
            "Corporation",
            "GmbH",
            "Ltd.",
            "AG",
            "S.A.",
            "B.V.",
            "AB",
            "LLC",
            "Co.",
        ),
    ),  # noqa: E501
    ("university", ("大学", "学院", "学校", "University", "College")),
    ("research_institute", ("研究所", "研究院", "研究中心", "科学院", "实验室", "Institute")),
    ("government", ("局", "委员会", "人民政府", "管理处", "中心站", "部")),
    ("other", ("协会", "学会", "基金会", "联合会", "商会", "医院")),
)


_TYPE_PATTERNS = tuple(
    (
        kind,
        re.compile(
            "(?:"
            + "|".join(re.escape(w) for w in words if not w.isascii())
            + ")$"
            + "".join(f"|(?:^|\\s){re.escape(w)}(?:$|\\s|,)" for w in words if w.isascii())
        ),
    )
    for kind, words in _TYPE_WORDS
)


_COMPANY = re.compile("株式会社|会社|公司|集团")


def party_type(name: str) -> str:
    """What a holder is, read from its name the way an examiner would (CNIPA's data does not say)."""
    clean = name.strip()
    if _COMPANY.search(clean):  # a company wherever the word stands (株式会社电装, 某大学科技园有限公司)
        return "enterprise"
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(clean):
            return kind
    if _INDIVIDUAL.match(clean):
        return "individual"
    return "other" if re.search(r"[\u4e00-\u9fff]", clean) else "enterprise"


@cache
def _country_names() -> tuple[dict[str, str], tuple[int, ...]]:
    """Chinese country names (CLDR's, as Babel ships them) → ISO code, and their lengths, longest first.

    HK, MO and TW keep their own codes, as the register's parties do.
    """
    from babel import Locale

    names = Locale("zh").territories
    found = {names[c]: c for c in countries() if c in names and c != "CN"}
    found |= {"美利坚合众国": "US", "日本国": "JP", "大韩民国": "KR", "德意志联邦共和国": "DE", "英国": "GB"}
    found |= {"香港": "HK", "澳门": "MO", "台湾": "TW"}
    return found, tuple(sorted({len(n) for n in found}, reverse=True))


def country_of_text(text: str) -> str | None:
    """The country a Chinese address text begins with (日本东京都… → JP), None when it names none."""
    body = _POSTCODE.sub("", text or "")
    names, lengths = _country_names()
    return next((names[body[:n]] for n in lengths if body[:n] in names), None)


def party(name: str, country: str, region: str | None, address: str | None) -> dict:
    """A canonical party; its id is a digest of what identifies it, so the same holder is one party."""
    name = " ".join((name or "").split())
    if not name:
        raise Malformed("a party has no name")
    place = region or (address or "").strip()  # a division when known: the same holder however written
    digest = hashlib.sha1(f"{name}|{place}|{country}".encode()).hexdigest()[:12]
    return {
        "party_id": f"CNP{digest}",
        "name": name,
        "party_type": party_type(name),
        "country": country,
        "region_code": region,
        "address": address or None,
    }


class TextPlaces:
    """Parties a record names with an address text only (PRS transfers, trademark registrants).

    Their places are resolved in one batch (:func:`ipgauge.regions.address.resolve`, as ``load`` would)
    before any party is made, so that a holder's id carries its division, as the patent documents' do:
    the same company met in a patent, a transfer and a trademark is one party.
    """

    def __init__(self) -> None:
        self._codes: dict[str, str | None] = {}

    def add(self, address: str | None) -> None:
        """A text to resolve (a foreign one is not looked for in China's divisions)."""
        text = clean_address(address)
        if text and country_of_text(text) is None:
            self._codes.setdefault(text, None)

    def resolve(self) -> None:
        """Resolve every text added, in one batch."""
        from ipgauge.regions.address import resolve

        texts = list(self._codes)
        self._codes = dict(zip(texts, resolve(texts), strict=True)) if texts else {}

    def party(self, name: str, address: str | None, country: str) -> dict:
        """The party, its region the resolved text's (Chinese parties only)."""
        text = clean_address(address)
        region = self._codes.get(text) if country == "CN" and text else None
        return party(name, country, region, text or None)


def clean_address(text: str | None) -> str:
    """An address as the register keeps it: the leading postcode dropped, spaces collapsed."""
    return " ".join(_POSTCODE.sub("", text or "").split())


def report_addresses(writer: DeliveryWriter, regions_from: str) -> None:
    """How many Chinese parties' places resolved to a division, and how (``regions_from``: parts or text).

    A party that kept only its address text (an old-format document) is resolved here to be counted;
    ``load`` resolves it the same way. The unresolved rate is what a statistician needs to trust regional figures.
    """
    import csv

    from ipgauge.regions.address import resolve

    writer.flush()
    with open(writer.work / "parties.csv", encoding="utf-8", newline="") as f:
        cn = [r for r in csv.DictReader(f) if r["country"] == "CN"]
    with_code = sum(1 for r in cn if r["region_code"])
    texts = [r["address"] for r in cn if not r["region_code"] and r["address"]]
    later = sum(1 for code in resolve(texts) if code) if texts else 0
    unresolved = len(cn) - with_code - later
    writer.report["addresses"] = {
        "chinese_parties": len(cn),
        "from_province_city_county": with_code if regions_from == "parts" else 0,
        "from_address_text": later + (with_code if regions_from == "text" else 0),
        "unresolved": unresolved,
        "unresolved_rate": round(unresolved / len(cn), 6) if cn else 0.0,
    }
