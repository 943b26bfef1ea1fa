"""The local runner: the whole migration on one machine, resumable, with progress.

It is the second executor of the same plan and the same per-recording state machine as the
operator (:mod:`bbb_migrate.state`); it never decides phases itself.

- :mod:`.statestore` keeps every recording's state (and the plan item it came from) in a small
  SQLite file beside the outputs, one transaction per change, so ``kill -9`` loses nothing.
- :mod:`.executor` lists and plans once, then drives each recording with ``state.next_step``:
  recorder subprocesses up to the parallelism, publication one transaction per recording.
- :mod:`.progress` shows it: a rich display on a terminal, plain lines otherwise, JSON events
  for scripts; :mod:`.summary` turns the stored states into the final table and ``status``.
"""
