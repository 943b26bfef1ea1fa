"""Pod's PostgreSQL schema fixtures: the part of Pod's own DDL that bbb-migrate touches.

The publish tests need Pod's real tables, and a clone of this repository has nothing beside it,
so the fixtures live in ``sql/pod-4.1.0-postgresql.sql`` and ``sql/pod-3.8.4-postgresql.sql``.
Each one is cut, statement for statement, from the ``pg_dump --schema-only`` of a default Pod
install (the maintainers' research notes, ``pod-schema/pod-*-full.sql``): the tables the
publisher reads or writes (:data:`SEED_TABLES`) and every table they reference through a
foreign key, with their identity or serial ids, constraints and indexes. Nothing is edited, so
the same cut of the same dump gives the same bytes: ``test_schema_fixtures`` checks it where the
dumps are at hand. Regenerate after a new Pod release with::

    python tests/publish/podddl.py /path/to/pod-schema
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).parent
SQL = HERE / "sql"
REPO = HERE.parents[1]
# Pod release → (its full dump in the research notes, the fixture in this repository).
VERSIONS = {
    "4.1.0": ("pod-4.1.0-full.sql", SQL / "pod-4.1.0-postgresql.sql"),
    "3.8.4": ("pod-3.8.4-full.sql", SQL / "pod-3.8.4-postgresql.sql"),
}
# What bbb_migrate.publish reads or writes (podschema.REQUIRED, the playlist, the recorders'
# type and tags). Foreign-key targets are added by :func:`cut`.
SEED_TABLES = frozenset({
    "django_site", "auth_user", "authentication_owner", "authentication_owner_sites",
    "import_video_externalrecording", "playlist_playlist", "video_type", "recorder_recorder",
    "recorder_recorder_sites", "recorder_recorder_tags", "recorder_tagulous_recorder_tags",
    "recorder_recordingfiletreatment", "meeting",
})
_BLOCK = re.compile(r"^--\n-- Name: (?P<name>[^;]+); Type: (?P<type>[^;]+); Schema: public; "
                    r"Owner: -\n--\n", re.M)
_FK = re.compile(r"ALTER TABLE ONLY public\.(\w+)\n\s+ADD CONSTRAINT \w+ FOREIGN KEY \(\w+\) "
                 r"REFERENCES public\.(\w+)\(")
_TABLE_OF = re.compile(r"(?:\bON|TABLE(?: ONLY)?|OWNED BY) public\.(\w+)")


def _closure(text: str, seed: frozenset[str]) -> set[str]:
    tables = set(re.findall(r"^CREATE TABLE public\.(\w+) \(", text, re.M))
    edges = _FK.findall(text)
    keep = seed & tables
    while True:
        grown = keep | {target for owner, target in edges if owner in keep}
        if grown == keep:
            return keep
        keep = grown


def cut(text: str, version: str, seed: frozenset[str] = SEED_TABLES) -> str:
    """The blocks of a pg_dump that belong to ``seed`` and the tables it references."""
    text = "\n".join(line for line in text.splitlines() if not line.startswith("\\")) + "\n"
    keep = _closure(text, seed)
    matches = list(_BLOCK.finditer(text))
    preamble = text[:matches[0].start()]
    preamble = preamble[preamble.index("SET "):]  # the SET lines, without the dump's banner
    sequences = {m.group(1): m.group(2) for m in re.finditer(
        r"ALTER SEQUENCE public\.(\w+) OWNED BY public\.(\w+)\.", text)}
    out = [f"-- Esup-Pod {version}: the {len(keep)} tables bbb-migrate reads or writes and the\n"
           f"-- tables they reference, cut unchanged from pg_dump --schema-only of a default\n"
           f"-- Pod {version} install by tests/publish/podddl.py. Do not edit: regenerate.\n\n",
           preamble.rstrip() + "\n\n"]
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        block = text[match.start():end]
        body = block[match.end() - match.start():]
        if match["type"] == "SEQUENCE" and body.lstrip().startswith("CREATE SEQUENCE"):
            owner = sequences.get(match["name"])
        else:
            found = _TABLE_OF.search(body)
            owner = found.group(1) if found else None
        fk = _FK.search(body)
        if owner in keep and (fk is None or fk.group(2) in keep):
            out.append(block.split("\n--\n-- PostgreSQL database dump complete")[0].rstrip()
                       + "\n\n\n")
    return "".join(out).rstrip() + "\n"


def write_fixtures(facts: Path) -> None:
    for version, (dump, fixture) in VERSIONS.items():
        fixture.write_text(cut((facts / dump).read_text(encoding="utf-8"), version),
                           encoding="utf-8")
        print(f"wrote {fixture.relative_to(REPO)}")


if __name__ == "__main__":
    write_fixtures(Path(sys.argv[1]))
