"""The README's map of the rooms is the code's: every package under app/ has an entry, and a room
imports (at its top level) only the rooms its entry names."""
import re
from collections import defaultdict

from app import ROOT
from tests.test_import_cycles import import_graph

ENTRY = re.compile(r"^- \*\*`(\w+)/`\*\* — (.*)$", re.MULTILINE)


def declared() -> dict[str, set[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Map of the rooms", 1)[1].split("\n## ", 1)[0]
    return {room: set(re.findall(r"`(\w+)`", text.split("May import:", 1)[1]))
            for room, text in ENTRY.findall(section)}


def room_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (ROOT / "app" / parts[1]).is_dir() else None


def used() -> dict[str, set[str]]:
    rooms = defaultdict(set)
    for module, imports in import_graph().items():
        room = room_of(module)
        rooms[room] |= {room_of(name) for name in imports} - {room, None}
    rooms.pop(None, None)
    return rooms


def test_every_room_has_an_entry():
    packages = {path.parent.name for path in (ROOT / "app").glob("*/__init__.py")}
    assert packages == set(declared())


def test_a_room_imports_only_what_its_entry_names():
    map_ = declared()
    extra = {room: sorted(imports - map_[room]) for room, imports in used().items() if imports - map_[room]}
    assert extra == {}, f"imports the map does not name (update the README's map, or the code): {extra}"


def test_the_map_names_only_rooms_that_exist():
    map_ = declared()
    assert set().union(*map_.values()) <= set(map_)
