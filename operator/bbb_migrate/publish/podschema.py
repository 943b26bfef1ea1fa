"""Recognise the target Pod's schema before writing a single row.

Pod commits no migrations: each installation generates its own, so the tables are only known by
looking at them. The writer needs to know: is this a Pod 3.x or 4.x schema (django-tagging's
``recorder_recorder.tags`` column versus tagulous tables), how ids are generated (identity,
serial or AUTO_INCREMENT: never by us), each column's length (``recordingfiletreatment.file`` is
varchar(100) before Pod 4.0.1, varchar(200) after), whether the Favorites playlist table exists,
and on MySQL whether a column can hold 4-byte UTF-8 (emoji). A schema that lacks a table or column
the writer needs is refused with the list of what is missing, instead of failing mid-run.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from .db import POSTGRESQL, Connection

REQUIRED: dict[str, tuple[str, ...]] = {
    "django_site": ("id", "domain", "name"),
    "auth_user": (
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name",
        "email", "is_staff", "is_active", "date_joined",
    ),
    "authentication_owner": (
        "id", "auth_type", "affiliation", "commentaire", "hashkey", "establishment", "user_id",
        "userpicture_id",
    ),
    "authentication_owner_sites": ("id", "owner_id", "site_id"),
    "import_video_externalrecording": (
        "id", "name", "start_at", "type", "source_url", "state", "owner_id", "site_id",
        "uploaded_to_pod_by_id",
    ),
    "recorder_recorder": ("id", "name", "directory", "user_id", "recording_type"),
    "recorder_recorder_sites": ("id", "recorder_id", "site_id"),
    "recorder_recordingfiletreatment": (
        "id", "file", "file_size", "date_added", "require_manual_claim", "email_sent",
        "date_email_sent", "type", "recorder_id",
    ),
    "meeting": ("id", "meeting_id", "owner_id", "site_id"),
}
PLAYLIST_COLUMNS = (
    "id", "date_created", "name", "description", "password", "visibility", "autoplay",
    "promoted", "editable", "slug", "date_updated", "owner_id", "site_id",
)
ID_TABLES = (
    "auth_user", "authentication_owner", "authentication_owner_sites",
    "import_video_externalrecording", "recorder_recordingfiletreatment", "playlist_playlist",
)
_NARROW_CHARSETS = {"utf8", "utf8mb3", "latin1", "ascii"}


class SchemaError(Exception):
    """The Pod database is not a schema this tool knows how to write to."""


@dataclass(frozen=True)
class Column:
    name: str
    max_length: int | None
    narrow_charset: bool  # MySQL utf8mb3/latin1: cannot store 4-byte characters


@dataclass(frozen=True)
class PodSchema:
    """What the writer must know about one Pod database."""

    engine: str
    major: int  # 3 or 4
    id_generation: str  # identity | serial | auto_increment
    has_playlist: bool
    has_accepts_notifications: bool
    columns: dict[str, dict[str, Column]] = field(repr=False)

    @property
    def label(self) -> str:
        file_len = self.max_length("recorder_recordingfiletreatment", "file")
        return (
            f"Pod {self.major}.x on {self.engine} ({self.id_generation} ids, "
            f"recorder file varchar({file_len}))"
        )

    def max_length(self, table: str, column: str) -> int | None:
        return self.columns[table][column].max_length

    def fit(self, table: str, column: str, value: str) -> tuple[str, bool]:
        """``value`` made storable in that column, and whether it had to change.

        Characters the column's charset cannot hold (emoji in a MySQL utf8mb3 column) become
        U+FFFD; NUL characters, which PostgreSQL refuses, are removed; a value longer than the
        column is cut at a character boundary (never inside a combining sequence) and ends with
        "…" so that a reader sees it was shortened.
        """
        col = self.columns[table][column]
        new = value.replace("\x00", "")
        if col.narrow_charset:
            new = "".join(ch if ord(ch) <= 0xFFFF else "\ufffd" for ch in new)
        if col.max_length is not None and len(new) > col.max_length:
            new = truncate(new, col.max_length)
        return new, new != value


def truncate(value: str, limit: int) -> str:
    """Cut ``value`` to at most ``limit`` characters, ending with "…", at a clean boundary."""
    if len(value) <= limit:
        return value
    if limit <= 1:
        return value[:limit]
    cut = limit - 1
    # Do not separate a base character from its combining marks, joiners or variation selectors.
    while cut > 0 and _joins_previous(value[cut]):
        cut -= 1
    while cut > 0 and value[cut - 1] == "\u200d":
        cut -= 1
    return value[:cut].rstrip() + "…"


def _joins_previous(ch: str) -> bool:
    return (
        unicodedata.combining(ch) != 0
        or ch in "\u200d\ufe0e\ufe0f"
        or 0x1F3FB <= ord(ch) <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= ord(ch) <= 0xE007F  # tag characters (flag sequences)
    )


def detect(conn: Connection) -> PodSchema:
    """Read ``information_schema`` and return the schema, or raise :class:`SchemaError`."""
    schema_expr = "current_schema()" if conn.engine == POSTGRESQL else "DATABASE()"
    charset_col = "NULL" if conn.engine == POSTGRESQL else "character_set_name"
    rows = conn.query(
        "SELECT table_name, column_name, character_maximum_length, column_default, "  # noqa: S608
        f"{'is_identity' if conn.engine == POSTGRESQL else 'extra'}, {charset_col} "
        f"FROM information_schema.columns WHERE table_schema = {schema_expr}"
    )
    tables: dict[str, dict[str, Column]] = {}
    id_info: dict[str, tuple[str | None, str | None]] = {}
    for table, column, max_len, default, identity, charset in rows:
        table, column = str(table), str(column)
        tables.setdefault(table, {})[column] = Column(
            column,
            int(max_len) if max_len is not None and int(max_len) < 1_000_000 else None,
            (charset or "").lower() in _NARROW_CHARSETS,
        )
        if column == "id":
            id_info[table] = (default, identity)
    missing = [
        f"{t}.{c}" if t in tables else t
        for t, cols in REQUIRED.items()
        for c in (cols if t in tables else cols[:1])
        if t not in tables or c not in tables[t]
    ]
    if missing:
        raise SchemaError(
            f"the Pod database {conn.database!r} is not a Pod 3.x/4.x schema this tool knows: "
            f"missing {', '.join(missing)}. Check pod.database points at Pod's database "
            "(after `manage.py migrate`)."
        )
    has_tags_column = "tags" in tables["recorder_recorder"]
    has_tagulous = "recorder_tagulous_recorder_tags" in tables
    if has_tags_column == has_tagulous:
        raise SchemaError(
            "unknown Pod schema: cannot tell Pod 3.x (recorder_recorder.tags) from Pod 4.x "
            "(recorder_tagulous_recorder_tags); refusing to write"
        )
    has_playlist = "playlist_playlist" in tables
    if has_playlist:
        lacking = [c for c in PLAYLIST_COLUMNS if c not in tables["playlist_playlist"]]
        if lacking:
            raise SchemaError(f"unknown playlist_playlist schema: missing {', '.join(lacking)}")
    styles = {_id_style(conn.engine, *id_info[t]) for t in ID_TABLES if t in id_info}
    if None in styles:
        bad = [t for t in ID_TABLES if t in id_info and _id_style(conn.engine, *id_info[t]) is None]
        raise SchemaError(
            f"ids of {', '.join(bad)} have no identity, sequence or AUTO_INCREMENT: this tool "
            "never invents ids, so it cannot write there"
        )
    return PodSchema(
        engine=conn.engine,
        major=3 if has_tags_column else 4,
        id_generation="/".join(sorted(s for s in styles if s)),
        has_playlist=has_playlist,
        has_accepts_notifications="accepts_notifications" in tables["authentication_owner"],
        columns=tables,
    )


def _id_style(engine: str, default: str | None, identity: str | None) -> str | None:
    if engine == POSTGRESQL:
        if (identity or "").upper() == "YES":
            return "identity"
        if default and "nextval(" in default:
            return "serial"
        return None
    return "auto_increment" if "auto_increment" in (identity or "").lower() else None
