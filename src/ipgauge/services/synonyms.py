"""Words that engineers and claim drafters use for the same thing, folded to one stem.

A claim says "transmit", the datasheet says "send"; a claim says "processor", the product page
says "CPU". The dense encoder catches many paraphrases at passage level, but it scores whole
passages; these groups let the word-level evidence of a chart row meet the product's words too.
Each group is a set of English words (Snowball-stemmed when used) that are interchangeable in
patent claims and product descriptions; the first word names the group. Kept short and general on
purpose: a group that is only sometimes a synonym ("member"/"element") would find support that is
not there.
"""

from __future__ import annotations

from functools import cache

from ipgauge.services.text_tokens import stem

GROUPS = (
    "receive obtain acquire get accept intake",
    "transmit send forward deliver dispatch emit push",
    "processor cpu microprocessor microcontroller controller mcu",
    "memory ram storage store buffer cache",
    "display screen monitor panel",
    "determine ascertain establish decide judge assess evaluate",
    "calculate compute derive estimate",
    "generate produce create build form make",
    "identify recognize detect find locate spot",
    "associate link bind map tie attach",
    "provide supply furnish give offer pass hand",
    "acknowledgement acknowledgment ack confirmation receipt",
    "message packet request signal notification",
    "session dialog dialogue conversation",
    "application app program software service",
    "object item file record entry",
    "computer node machine host server peer device",
    "network cluster mesh",
    "identifier id identity tag label address key",
    "count number quantity total tally",
    "bit bits binary",
    "code hash fingerprint signature digest",
    "sensor detector probe gauge",
    "measure sense monitor read sample",
    "pressure barometric",
    "height altitude elevation",
    "threshold limit cutoff level",
    "change variation difference delta shift",
    "housing casing enclosure shell case body",
    "cover lid cap hood shield",
    "support bracket mount holder stand brace",
    "fasten secure fix attach clamp bolt screw",
    "seal gasket sealing",
    "floor base bottom",
    "wall side partition",
    "recess groove channel slot notch pocket",
    "heat warm heating heater",
    "cool chill cooling cooler",
    "motor engine drive actuator",
    "valve port gate",
    "inject spray feed introduce",
    "fuel gasoline petrol",
    "camera imager lens",
    "image picture photo frame",
    "light illumination beam",
    "project cast",
    "pattern grid fringe",
    "surface face",
    "layer film coating coat",
    "polymer resin plastic",
    "particle grain granule powder",
    "fabric textile cloth nonwoven",
    "fiber fibre filament strand",
    "electrode contact terminal pad",
    "wire cable conductor lead",
    "circuit chip board",
    "amplifier amp",
    "switch toggle",
    "speaker loudspeaker",
    "microphone mic",
    "user operator person",
    "select choose pick",
    "store save keep retain record",
    "execute run perform carry",
    "interpret parse",
    "output emit return report",
    "test check verify validate",
    "spreadsheet sheet table workbook",
    "row line",
    "rotate turn spin revolve",
    "shaft spindle axle",
    "blade cutter knife",
    "container vessel tank reservoir",
    "pipe tube duct conduit hose",
    "filter screen strainer",
    "remove extract eliminate strip",
    "mix combine blend stir",
    "heat heated",
    "reduce lower decrease cut",
    "increase raise boost",
    "glucose sugar",
    "vehicle car automobile",
    "power energy electricity",
    "battery cell accumulator",
    "wireless radio",
    "connect couple join link",
    "plurality multiple several many",
    "adjacent next beside neighbouring neighboring",
    "vertical upright",
    "compress squeeze press",
)


@cache
def _canonical() -> dict[str, str]:
    out: dict[str, str] = {}
    for group in GROUPS:
        words = group.split()
        head = stem(words[0])
        for w in words:
            out.setdefault(stem(w), head)
    return out


def fold(stems: set[str]) -> set[str]:
    """The stems with each synonym replaced by its group's head (a stem in no group stays itself)."""
    canonical = _canonical()
    return {canonical.get(s, s) for s in stems}
