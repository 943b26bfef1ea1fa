"""The migration spec: one schema for the CLI's YAML file and the ``BBBMigration`` CRD's ``spec``.

Field names are camelCase, as Kubernetes users expect; Python code uses the snake_case attributes.
Unknown fields are errors (``extra="forbid"``) so that a typo never silently falls back to a
default: :func:`load_spec` reports the dotted path of every bad field.

Secrets are never inline: every credential is a :class:`~bbb_migrate.credentials.SecretRef`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from .credentials import SecretRef

API_GROUP = "bbb-migrate.esup-portail.org"
API_VERSION = "v1alpha1"
KIND = "BBBMigration"


class SpecError(ValueError):
    """A migration spec that cannot be used; the message names each offending field."""


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Mode(StrEnum):
    """What the migration does with each selected recording (Pod's three modes)."""

    CLAIM = "claim"
    IMPORT_VIDEO = "import-video"
    EXPORT_CSV = "export-csv"


class Checksum(StrEnum):
    """Checksum algorithms of the BBB API.

    BBB 2.2-2.4 accept sha1 and sha256, BBB 2.5+ also sha384 and sha512 (an administrator may
    narrow the list), Scalelite sha1, sha256 and sha512 (never sha384). sha256 works everywhere.
    """

    SHA1 = "sha1"
    SHA256 = "sha256"
    SHA384 = "sha384"
    SHA512 = "sha512"


class Source(_Model):
    """The old BBB or Scalelite server."""

    url: str = Field(description="API URL as `bbb-conf --secret` prints it, or the server root.")
    secret_ref: SecretRef = Field(description="Where the shared secret is (never inline).")
    checksum: Checksum = Checksum.SHA256
    paging: Literal["auto", "on", "off"] = Field(
        "auto", description="offset/limit paging (BBB 2.6+); auto detects it from the reply."
    )
    page_size: int = Field(100, ge=1, le=100, description="Recordings per page (BBB caps at 100).")
    states: list[str] = Field(
        default_factory=lambda: ["published", "unpublished"],
        description="getRecordings `state` filter; ['any'] lists every state.",
    )
    meta: dict[str, str] = Field(default_factory=dict, description="meta_* filters, key → value.")
    timeout_seconds: float = Field(
        60.0, gt=0, description="Seconds to connect, and the longest wait for the next byte."
    )
    request_timeout_seconds: float = Field(
        300.0, gt=0, description="Seconds for one whole request, body included (deadline)."
    )
    retries: int = Field(4, ge=0, le=20)
    cache_file: str | None = Field(
        None, description="Reuse (or save) the getRecordings response at this path (Pod USE_CACHE)."
    )
    rewrite_playback_20_to_23: bool = Field(
        False, description="Rewrite 2.0 presentation URLs to 2.3 (breaks BBB 2.2 servers)."
    )
    verify_tls: bool = True
    playback_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts allowed in playback URLs besides the server's own (a plan skips "
        "recordings whose playback is elsewhere).",
    )

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("states")
    @classmethod
    def _known_states(cls, value: list[str]) -> list[str]:
        known = {"processing", "processed", "published", "unpublished", "deleted", "any"}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown state(s) {unknown}; known: {sorted(known)}")
        if not value:
            raise ValueError("at least one state is needed")
        return value


class Selection(_Model):
    """Which recordings to migrate; all filters combine with AND."""

    first: int = Field(1, ge=1, description="1-based index of the first recording, newest first.")
    last: int | None = Field(None, ge=1, description="1-based index of the last one (inclusive).")
    states: list[str] = Field(default_factory=list, description="Keep only these states.")
    start_after: datetime | None = Field(None, description="Keep recordings started at or after.")
    start_before: datetime | None = Field(None, description="Keep recordings started before.")
    meeting_ids: list[str] = Field(default_factory=list)
    record_ids: list[str] = Field(default_factory=list)
    origin_servers: list[str] = Field(
        default_factory=list, description="Keep only these bbb-origin-server-name values."
    )
    ignored_servers: list[str] = Field(
        default_factory=list, description="Skip these bbb-origin-server-name values."
    )

    @field_validator("start_after", "start_before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A date without a zone is taken as UTC, so comparisons never fail."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _window(self) -> Selection:
        if self.last is not None and self.last < self.first:
            raise ValueError(f"last ({self.last}) is before first ({self.first})")
        if self.start_after and self.start_before and self.start_before <= self.start_after:
            raise ValueError("startBefore must be later than startAfter")
        return self


class Database(_Model):
    """A database reached through a URL kept in a secret.

    ``postgresql://user:password@host:5432/dbname`` or ``mysql://user:password@host:3306/dbname``.
    """

    url_ref: SecretRef
    connect_timeout_seconds: int = Field(10, ge=1)
    statement_timeout_seconds: int = Field(
        120, ge=1, le=86400,
        description="Longest wait for one statement (PostgreSQL statement_timeout) or one "
        "network read/write (MySQL); a hung database then fails the recording with a "
        "retryable DatabaseTimeout instead of blocking for ever.",
    )


class ClaimSettings(_Model):
    """Claim mode: the video lands in a Pod recorder's folder."""

    recorder_id: int = Field(1, ge=1, description="recorder_recorder.id (Pod SCRIPT_RECORDER_ID).")
    recorder_path: str = Field(
        "/data/ftp-pod/ftp/", description="Pod DEFAULT_RECORDER_PATH, as this executor sees it."
    )
    pod_recorder_path: str | None = Field(
        None,
        description="DEFAULT_RECORDER_PATH as Pod itself sees it, for the path stored in "
        "recorder_recordingfiletreatment.file (default: recorderPath).",
    )
    recorder_directory: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$",  # never ".", ".." or a hidden folder
        description="The recorder's folder under recorderPath (recorder_recorder.directory). "
        "Read from Pod's database when pod.database is set (and then checked against this); "
        "needed only for claim mode without a database.",
    )
    register_claimable: bool = Field(
        False, description="Also write recorder_recordingfiletreatment so teachers see it at once."
    )
    time_zone: str = Field(
        "UTC",
        description="IANA time zone of the date in claim file names (the recording's start in "
        "this zone, e.g. Pod's TIME_ZONE 'Europe/Paris'); never the executor's local zone.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as "
                             "'UTC' or 'Europe/Paris')") from None
        return value


class ImportVideoSettings(_Model):
    """import-video: what the external recordings point at.

    ``server`` (Pod's own way): the playback on the old BBB server, which must then stay up
    until every teacher has imported every recording. ``rendered``: every recording is first
    rendered or downloaded (as in claim mode), its MP4 is stored in ``mediaPath`` and served by
    a web server the administrator controls at ``baseUrl``; the external recording (Pod type
    ``video``, "Video file") points at that MP4, so the old server can be switched off as soon
    as the rendering is done.
    """

    source: Literal["server", "rendered"] = Field(
        "server", description="server: link to the old BBB playback; rendered: link to the "
        "rendered MP4 served at baseUrl.")
    base_url: str | None = Field(
        None, description="rendered: the URL under which mediaPath is served "
        "(e.g. https://media.univ.fr/bbb/); the MP4's name is appended.")
    media_path: str = Field(
        "/data/bbb-migrate-media/", description="rendered: the folder (as this executor sees "
        "it) where the MP4s are stored; the web server at baseUrl serves it.")

    @field_validator("base_url")
    @classmethod
    def _http_base(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")) or "?" in value or "#" in value:
            raise ValueError("must be an http:// or https:// URL without query or fragment")
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _rendered_needs_url(self) -> ImportVideoSettings:
        if self.source == "rendered" and self.base_url is None:
            raise ValueError("source rendered needs baseUrl (where the MP4s are served)")
        return self


class PodSettings(_Model):
    """The target Pod."""

    database: Database | None = None
    secret_key_ref: SecretRef | None = Field(
        None, description="Pod's Django SECRET_KEY (needed for the owner hashkey)."
    )
    admin_username: str = Field(
        "admin", description="Owner of recordings whose moderators are not found."
    )
    site_id: int = Field(1, ge=1, description="Pod SITE_ID.")
    establishment: str = Field("Etab_1", description="Owner.establishment for new users.")
    claim: ClaimSettings = Field(default_factory=ClaimSettings)
    import_video: ImportVideoSettings = Field(default_factory=ImportVideoSettings)


class MoodleNotice(_Model):
    """The notice written into each Moodle activity whose recordings were migrated."""

    enabled: bool = False
    html: str = Field(
        "<p class=\"alert alert-info\">Les enregistrements de cette activité ont été déplacés "
        "vers Pod : retrouvez-les dans « Mes vidéos externes ».</p>",
        description="HTML appended to mdl_bigbluebuttonbn.intro once per activity.",
    )


class MoodleSettings(_Model):
    """Moodle databases, one per BBB origin server name, with a default."""

    databases: dict[str, Database] = Field(
        default_factory=dict,
        description="bbb-origin-server-name → database; the key `default` is used otherwise.",
    )
    ignored_servers: list[str] = Field(default_factory=list)
    table_prefix: str = Field("mdl_", pattern=r"^[a-z][a-z0-9_]{0,20}$")
    notice: MoodleNotice = Field(default_factory=MoodleNotice)


class GreenlightSettings(_Model):
    """Greenlight (v2 or v3) as a source of owners: a room's owner and the users it is shared with.

    A recording belongs to the room whose BBB meeting ID it has (v2 ``rooms.bbb_id``, v3
    ``rooms.meeting_id``). Greenlight users are matched to Pod users by ``matchBy``.
    """

    database: Database = Field(description="Greenlight's PostgreSQL database (read only).")
    version: Literal["auto", "v2", "v3"] = Field(
        "auto", description="Greenlight's schema; auto recognises it from its tables.")
    match_by: Literal["email", "username", "externalId"] = Field(
        "email", description="Which Greenlight value finds the Pod user: email (auth_user.email), "
        "username (v2 users.username = auth_user.username) or externalId (the identity "
        "provider's id, v2 users.social_uid / v3 users.external_id = auth_user.username).")
    shared_accesses: bool = Field(
        True, description="Users a room is shared with are owners too (Greenlight's co-owners).")


class Resources(_Model):
    """Kubernetes resources of one recorder Job (cluster only)."""

    requests: dict[str, str] = Field(default_factory=lambda: {"cpu": "1", "memory": "1536Mi"})
    limits: dict[str, str] = Field(default_factory=lambda: {"cpu": "2", "memory": "3Gi"})


class ContentChecks(_Model):
    """Thresholds of the recorder's content checks (docs/checking.md)."""

    enabled: bool = Field(True, description="Judge what a render shows, not only its length.")
    black_max_ratio: float = Field(0.5, ge=0, le=1,
                                   description="Failed when black for more than this share.")
    black_max_seconds: float = Field(120, ge=0, description="Failed on one black stretch this "
                                     "long (screen shares excepted).")
    frozen_max_seconds: float = Field(20, ge=2, description="Failed on a still picture this "
                                      "long across slide, zoom or share changes.")
    silence_min_seconds: float = Field(30, ge=1, description="Output silences this long are "
                                       "compared with the source's sound.")
    silence_db: float = Field(-50, ge=-90, le=-10, description="Below this the output is silent.")
    contact_sheet: bool = Field(True, description="Thumbnails beside each render (the report).")

    def args(self) -> list[str]:
        """The recorder's arguments for these thresholds."""
        return [
            "--checks" if self.enabled else "--no-checks",
            "--black-max-ratio", str(self.black_max_ratio),
            "--black-max-seconds", str(self.black_max_seconds),
            "--frozen-max-seconds", str(self.frozen_max_seconds),
            "--silence-min-seconds", str(self.silence_min_seconds),
            "--silence-db", str(self.silence_db),
            "--contact-sheet" if self.contact_sheet else "--no-contact-sheet",
        ]


class RecorderSettings(_Model):
    """How recordings are rendered or downloaded."""

    image: str = "ghcr.io/esupportail/bbb-migrate-recorder:0.1.0"
    resources: Resources = Field(default_factory=Resources)
    width: int = Field(1280, ge=320, le=3840)
    height: int = Field(720, ge=240, le=2160)
    fps: int = Field(25, ge=5, le=60)
    parallelism: int = Field(2, ge=1, le=500)
    attempts: int = Field(3, ge=1, le=20, description="Tries per recording, retryable failures.")
    retry_delay_seconds: int = Field(
        30, ge=1, le=3600, description="Wait before a recording's next try after a retryable "
        "failure (render or publication); doubled at each try, capped at 15 minutes.")
    deadline_factor: float = Field(1.5, ge=1.0, le=10.0)
    deadline_margin_seconds: int = Field(300, ge=0)
    stall_seconds: int = Field(60, ge=5, description="No playback progress for this long = stall.")
    shm_size: str = "1Gi"
    engine: Literal["auto", "compose", "capture"] = Field(
        "auto", description="Presentation renderer: compose (drawn from the recording's files, "
        "~10x real time), capture (the player played and filmed, real time), or auto: compose "
        "when it draws every feature the recording uses, else capture (reason in the result).")
    layout: Literal["presentation", "presentation+webcam", "player"] = Field(
        "presentation+webcam", description="The picture, for both engines: the presentation "
        "alone, the presentation with the webcams in a corner (player chrome hidden), or the "
        "player's own arrangement (title bar, webcams, chat, thumbnails).")
    chat: bool = Field(True, description="Layout player: show the chat column.")
    compose_resources: Resources = Field(
        default_factory=lambda: Resources(requests={"cpu": "500m", "memory": "512Mi"},
                                          limits={"cpu": "1", "memory": "1Gi"}),
        description="Resources of a Job whose engine is compose (no browser, no X server).")
    checks: ContentChecks = Field(default_factory=ContentChecks)

    def engine_args(self) -> list[str]:
        """The recorder's engine and check arguments (the same for the Job and the local
        runner)."""
        args = ["--engine", self.engine, "--layout", self.layout, *self.checks.args()]
        return args if self.chat else [*args, "--no-chat"]

    def job_resources(self) -> dict[str, dict[str, str]]:
        """compose: its own small resources; capture: ``resources``; auto: compose's requests
        (most recordings compose) with room up to capture's limits for a fallback."""
        small, big = self.compose_resources, self.resources
        if self.engine == "compose":
            return {"requests": dict(small.requests), "limits": dict(small.limits)}
        if self.engine == "capture":
            return {"requests": dict(big.requests), "limits": dict(big.limits)}
        return {"requests": dict(small.requests), "limits": dict(big.limits)}


class Volume(_Model):
    """The shared ReadWriteMany volume that Pod's recorder folder lives on (cluster only)."""

    claim_name: str = Field(description="PersistentVolumeClaim name.")
    sub_path: str = ""
    mount_path: str = "/data"


class Output(_Model):
    """Where outputs go."""

    directory: str = Field(
        "./bbb-migrate-output",
        description="Work folder: rendered files, result JSON, logs, local state.",
    )
    csv_path: str | None = Field(
        None, description="CSV file for export-csv (default: recordings.csv in directory)."
    )


class MigrationSpec(_Model):
    """A whole migration; also the ``spec`` of the ``BBBMigration`` custom resource."""

    source: Source
    mode: Mode
    selection: Selection = Field(default_factory=Selection)
    pod: PodSettings = Field(default_factory=PodSettings)
    moodle: MoodleSettings | None = None
    greenlight: GreenlightSettings | None = None
    recorder: RecorderSettings = Field(default_factory=RecorderSettings)
    output: Output = Field(default_factory=Output)
    volume: Volume | None = None
    dry_run: bool = False
    suspend: bool = False
    kueue_queue_name: str | None = None

    @model_validator(mode="after")
    def _mode_needs(self) -> MigrationSpec:
        if self.mode is Mode.IMPORT_VIDEO and not self.dry_run:
            if self.pod.database is None:
                raise ValueError("mode import-video needs pod.database")
            if self.pod.secret_key_ref is None:
                raise ValueError("mode import-video needs pod.secretKeyRef (owner hashkey)")
        claimable = self.mode is Mode.CLAIM and self.pod.claim.register_claimable
        if claimable and not self.dry_run and self.pod.database is None:
            raise ValueError("pod.claim.registerClaimable needs pod.database")
        return self

    @property
    def from_rendered(self) -> bool:
        """import-video whose external recordings point at rendered MP4s (not the old server)."""
        return self.mode is Mode.IMPORT_VIDEO and self.pod.import_video.source == "rendered"

    @property
    def renders(self) -> bool:
        """Whether recordings are rendered or downloaded before publishing."""
        return self.mode is Mode.CLAIM or self.from_rendered

    def to_yaml_dict(self) -> dict[str, Any]:
        """The spec as the camelCase mapping a user would write (defaults included)."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(spec)"


def parse_spec(data: Any, *, origin: str = "spec") -> MigrationSpec:
    """Validate a mapping (a YAML document, or a custom resource's spec) into a spec.

    Accepts either the bare spec or a whole ``BBBMigration`` manifest, so that the same file
    works with ``kubectl apply`` and ``bbb-migrate run``.
    """
    if isinstance(data, dict) and data.get("kind") == KIND:
        data = data.get("spec")
    if not isinstance(data, dict):
        raise SpecError(f"{origin}: expected a mapping with the migration spec")
    try:
        return MigrationSpec.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"  {_field_path(err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        ]
        raise SpecError(f"{origin}: invalid migration spec\n" + "\n".join(lines)) from None


def load_spec(path: str | Path) -> MigrationSpec:
    """Read and validate a YAML spec file; every problem becomes a :class:`SpecError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML: {exc}") from None
    return parse_spec(data, origin=str(path))
