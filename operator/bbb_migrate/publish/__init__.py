"""Publish: write a recording's result into Pod (and Moodle), faithful to Pod's own command.

Reading order: :mod:`.db` (connections, engine differences; errors in :mod:`.dberrors`, URLs in
:mod:`.dburls`) → :mod:`.podschema` (which Pod this is) → :mod:`.moodle` (activities, the
notice SQL) and :mod:`.moderators` (who moderates them) → :mod:`.owners` (Pod's owner order) →
:mod:`.pod` and :mod:`.podusers` (rows as Pod's signals would write them) → :mod:`.claim` (file
names, the atomic move) → :mod:`.importvideo` (a batch: one transaction, savepoints on failure)
and :mod:`.notices` (after the commit) → :mod:`.publisher`, the :class:`Publisher` the executors
call (its up-front checks in :mod:`.checks`, errors and reports in :mod:`.errors`).

Per recording, by mode:

- ``import-video``: owners (Pod meeting → Moodle moderators → administrator), missing users with
  their owner, site link and Favorites playlist, one external recording per owner, then the
  optional Moodle notice. One Pod transaction per batch (a recording that fails is rolled back
  alone, to its savepoint); the Moodle notices in their own transaction after the Pod commit
  (re-running is idempotent, so a failure between the two loses nothing).
- ``claim``: the rendered file moved under Pod's (collision-free) name into the recorder's
  folder, and with ``registerClaimable`` the claim-list row, inside one Pod transaction.
- ``export-csv``: nothing is written; the report carries the Moodle owners for the CSV.

A dry run opens read-only transactions (the server itself refuses writes), moves no file,
creates no reservation, and lists in ``PublishReport.writes`` every row it would write.
"""

from .errors import (
    PublishConfigError,
    PublishError,
    PublishReport,
    PublishSecretError,
    PublishUnavailable,
)
from .publisher import Publisher

__all__ = ["PublishConfigError", "PublishError", "PublishReport", "PublishSecretError",
           "PublishUnavailable", "Publisher"]
