"""The migration core: every decision of a migration, made once for both executors.

Independent of Kubernetes and of SQLite. Given the spec, the plan and the recordings' current
states (:mod:`bbb_migrate.state`), it decides:

:mod:`.guard`
    whether a stored plan still matches the spec (what changed, what may be re-planned);
:mod:`.schedule`
    what to start now (window, suspend, backoff, plan order) and what to publish next;
:mod:`.attempts`
    what a finished, vanished or interrupted recorder attempt becomes (retry, lost, kept);
:mod:`.publishing`
    publishing a batch through ``Publisher.publish_many`` and the error ladder of each result;
:mod:`.export`
    what the export-csv file holds;
:mod:`.dryrun`
    what a dry run reports;
:mod:`.counts`
    the counts and the words of the summary.

The executors are adapters around it: where states are stored (the runner's SQLite rows, the
operator's ``BBBRecording`` status), how an attempt runs (a subprocess, a Job) and how progress
is shown (rich, status, Events, metrics). docs/architecture.md draws the flow.
"""
