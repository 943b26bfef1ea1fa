"""Migrate BigBlueButton recordings into Esup-Pod, on Kubernetes or on one machine.

Reading order, and what each part owns (see ``DESIGN`` in the repository for the full picture):

``models``
    Plain values: a :class:`~bbb_migrate.models.Recording` with its playback formats. Every other
    part speaks in these values, so none of them depends on XML, Kubernetes or SQL.
``spec``
    The migration spec: one schema (YAML) read by the CLI and used verbatim as the ``spec`` of
    the ``BBBMigration`` custom resource. Secrets are references (:mod:`bbb_migrate.credentials`).
``source``
    The BBB / Scalelite ``getRecordings`` client: checksums, paging, retries, safe streaming XML.
``plan``
    Selection (window, states, dates, servers) and one action per recording:
    render, download, publish-only or skip (with the reason).
``state``
    The per-recording state machine (Pending → Rendering → Rendered → Published, or Skipped /
    Failed). Both executors call it, so the operator and the local runner cannot drift apart.
``contract``
    The recorder's contract: exit codes, result JSON, output paths.
``recorder``
    One program that renders a presentation playback (Chromium + Xvfb + PulseAudio + ffmpeg) or
    downloads a video playback, used by the Kubernetes Job and by the local runner.
``publish``
    Pod and Moodle database writes (claim, import-video) and the CSV export.
``kube`` and ``runner``
    The two thin executors: the kopf operator and the local runner.
``simulator``
    A real HTTP BBB server for tests, benchmarks and the README demo.
"""

__version__ = "0.1.0"
