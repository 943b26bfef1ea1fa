"""Pod users: found by username, or created with the rows Pod's signals would add.

A new user is ``auth_user`` (staff, active, empty password, names and e-mail from Moodle), then
what ``post_save(User)`` does: ``authentication_owner`` (``local``/``student``/establishment,
``hashkey = sha256(SECRET_KEY + username)``), then ``post_save(Owner)``: the site link in
``authentication_owner_sites``, then ``m2m_changed(Owner.sites)``: the "Favorites" playlist
(without it every Pod page fails for that user when playlists and favourites are on).

The users of a whole batch are looked up in one query and created together: one multi-row
INSERT per table (one per row on MySQL, which reports only the first new id). Users created
in the open transaction are kept apart until it commits, so a rollback leaves no stale id.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .db import marks
from .moderators import MoodleUser

if TYPE_CHECKING:
    from .pod import PodWriter

FAVORITES = "Favorites"
FAVORITES_DESCRIPTION = "Vos vidéos favorites."  # Pod's "Your favorites videos." under fr


def hashkey(secret_key: str, username: str) -> str:
    """Pod's ``Owner.hashkey``: sha256 of SECRET_KEY followed by the username, hex."""
    return hashlib.sha256((secret_key + username).encode("utf-8")).hexdigest()


@dataclass
class Wanted:
    """A Moodle user one recording needs in Pod; its report's lists of writes and warnings."""

    user: MoodleUser
    writes: list[str]
    warnings: list[str]


class UserRows:
    """The user part of :class:`~.pod.PodWriter` (a mixin: same connection, same caches)."""

    def user_id(self: PodWriter, username: str) -> int | None:
        """Pod's ``User.objects.filter(username=…).first()`` (the engine's collation applies)."""
        if username in self._users:
            return self._users[username]
        if username in self._pending:
            return self._pending[username]
        found = self.conn.scalar("SELECT id FROM auth_user WHERE username = %s", (username,))
        if found is not None:
            self._users[username] = int(found)
            return int(found)
        return None

    def _load_users(self: PodWriter, names: list[str]) -> set[str]:
        """Look the not yet known usernames up in one query (cached when found); returns the
        names that are not in Pod."""
        missing = [n for n in dict.fromkeys(names) if n not in self._users
                   and n not in self._pending]
        if not missing:
            return set()
        rows = self.conn.query(
            f"SELECT id, username FROM auth_user WHERE username IN "  # noqa: S608
            f"({marks(len(missing))})", missing)
        exact = {str(r[1]): int(r[0]) for r in rows}
        for name in missing:
            if name in exact:
                self._users[name] = exact[name]
        if len(rows) > sum(name in exact for name in missing):
            for name in missing:  # the collation matched another spelling: ask one by one
                if name not in exact:
                    self.user_id(name)
        return {name for name in missing if name not in self._users}

    def users_by_id(self: PodWriter, ids: list[int]) -> dict[int, tuple[str, str]]:
        """Existing Pod users (meeting owners, the administrator): id → (username,
        ``First Last (username)``), in one query."""
        ids = sorted(set(ids))
        if not ids:
            return {}
        rows = self.conn.query(
            "SELECT id, first_name, last_name, username FROM auth_user "  # noqa: S608
            f"WHERE id IN ({marks(len(ids))})", ids)
        return {int(r[0]): (r[3], f"{r[1]} {r[2]} ({r[3]})") for r in rows}

    def ensure_users(self: PodWriter, wanted: list[Wanted]) -> list[int | None]:
        """The Pod user id of each wanted Moodle user, creating the missing ones (once each,
        told in the writes of the first recording that needs it).

        In a dry run a missing user gives None (and the writes that would be made).
        """
        names = [self._fit("auth_user", "username", w.user.username, "username", w.warnings)
                 for w in wanted]
        absent = self._load_users(names)
        new: dict[str, Wanted] = {}
        for name, want in zip(names, wanted, strict=True):
            if name not in absent or name in new:
                continue
            if name in self._dry_users:
                want.writes.append(f"pod auth_user: user {name!r} would be created by an "
                                   "earlier recording of this dry run")
                continue
            new[name] = want
        if new and self.secret_key is None and not self.dry_run:
            raise ValueError("creating Pod users needs pod.secretKeyRef (the owner hashkey)")
        # Inserted in username order: two publishers creating the same users wait on each
        # other's unique-key entries in one order, never crosswise (no deadlock).
        created = self._create(dict(sorted(new.items()))) if new else {}
        return [created.get(name) if name in absent
                else self._users.get(name, self._pending.get(name)) for name in names]

    def _create(self: PodWriter, new: dict[str, Wanted]) -> dict[str, int | None]:
        now = self.conn.db_datetime(datetime.now(UTC))
        names = list(new)
        wants = list(new.values())
        writes = [w.writes for w in wants]
        user_ids = self._insert_rows("auth_user", [{
            "password": "",
            "last_login": None,
            "is_superuser": False,
            "username": name,
            "first_name": self._fit("auth_user", "first_name", w.user.firstname, "first name",
                                    w.warnings),
            "last_name": self._fit("auth_user", "last_name", w.user.lastname, "last name",
                                   w.warnings),
            "email": self._fit("auth_user", "email", w.user.email, "e-mail", w.warnings),
            "is_staff": True,
            "is_active": True,
            "date_joined": now,
        } for name, w in new.items()], writes)
        shown = [{"user_id": f"<id of new user {name!r}>", "owner_id": f"<id of new user {name!r}>"}
                 for name in names]
        owners: list[dict[str, Any]] = []
        for name, w, user_id in zip(names, wants, user_ids, strict=True):
            owner = {
                "auth_type": "local",
                "affiliation": "student",
                "commentaire": "",
                "hashkey": (hashkey(self.secret_key, name) if self.secret_key is not None
                            else "<sha256(SECRET_KEY + username)>"),
                "establishment": self._fit("authentication_owner", "establishment",
                                           self.establishment, "establishment", w.warnings),
                "user_id": user_id,
                "userpicture_id": None,
            }
            if self.schema.has_accepts_notifications:
                owner["accepts_notifications"] = None
            owners.append(owner)
        owner_ids = self._insert_rows("authentication_owner", owners, writes, shown)
        self._insert_rows("authentication_owner_sites",
                          [{"owner_id": o, "site_id": self.site_id} for o in owner_ids], writes,
                          [{"owner_id": f"<id of the owner of new user {n!r}>"} for n in names])
        if self.schema.has_playlist:
            self._favorites(user_ids, now, writes, shown)
        for name, user_id in zip(names, user_ids, strict=True):
            if user_id is None:
                self._dry_users.add(name)  # dry run: reported in full once per run
            else:
                self._pending[name] = user_id
        return dict(zip(names, user_ids, strict=True))

    def _favorites(self: PodWriter, user_ids: list[int | None], now: datetime,
                   writes: list[list[str]], shown_as: list[dict[str, str]]) -> None:
        rows = [{
            "date_created": now,
            "name": FAVORITES,
            "description": FAVORITES_DESCRIPTION,
            "password": "",
            "visibility": "private",
            "autoplay": True,
            "promoted": False,
            "editable": False,
            # replaced by "<id>-favorites" below
            "slug": "<id>-favorites" if self.dry_run else f"bbb-migrate-{uuid.uuid4().hex}",
            "date_updated": now,
            "owner_id": user_id,
            "site_id": self.site_id,
        } for user_id in user_ids]
        ids = self._insert_rows("playlist_playlist", rows, writes, shown_as)
        if not self.dry_run:
            self.conn.update_by_id("playlist_playlist", "slug",
                                   {i: f"{i}-favorites" for i in ids if i is not None})
