"""Kazakhstan holiday names for Russian and English users.

The `holidays` package names Kazakhstan's holidays in Kazakh and US English only. Its English
names are our msgids, so the Russian names are translated centrally with every other text of
the desk. A name the package adds later and this table lacks is shown in English.
"""
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

NAMES = {
    "New Year's Day": _l("New Year's Day"),
    "Orthodox Christmas": _l("Orthodox Christmas"),
    "International Women's Day": _l("International Women's Day"),
    "Nowruz Holiday": _l("Nowruz Holiday"),
    "Kazakhstan's People Solidarity Holiday": _l("Kazakhstan's People Solidarity Holiday"),
    "Defender of the Fatherland Day": _l("Defender of the Fatherland Day"),
    "Victory Day": _l("Victory Day"),
    "Capital Day": _l("Capital Day"),
    "Constitution Day": _l("Constitution Day"),
    "Republic Day": _l("Republic Day"),
    "First President Day": _l("First President Day"),
    "Independence Day": _l("Independence Day"),
    "Eid al-Adha": _l("Eid al-Adha"),
}
# "Victory Day (observed)": the holiday fell on a weekend and moves to the next working day.
LABELLED = re.compile(r"(?P<name>.+) \((?P<label>observed|estimated|observed, estimated)\)")
# "Day off (substituted from 05/04/2024)": a government transfer of a working day (US date).
SUBSTITUTED = re.compile(r"Day off \(substituted from (?P<month>\d\d)/(?P<day>\d\d)/(?P<year>\d{4})\)")
SEPARATOR = "; "  # the package joins two holidays that fall on one date


def translate_holiday(english: str) -> str:
    return SEPARATOR.join(_translate_one(name) for name in english.split(SEPARATOR))


def _translate_one(english: str) -> str:
    if substituted := SUBSTITUTED.fullmatch(english):
        moved_from = "{day}.{month}.{year}".format(**substituted.groupdict())
        return _("Day off (substituted from %(day)s)", day=moved_from)
    labelled = LABELLED.fullmatch(english)
    if labelled is None:
        return str(NAMES.get(english, english))
    name = str(NAMES.get(labelled["name"], labelled["name"]))
    if labelled["label"] == "observed":
        return _("%(name)s (observed)", name=name)
    if labelled["label"] == "estimated":
        return _("%(name)s (estimated)", name=name)
    return _("%(name)s (observed, estimated)", name=name)
