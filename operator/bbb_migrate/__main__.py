"""``python -m bbb_migrate``: the Kubernetes operator (same options as ``bbb-migrate operator``)."""

from .cli.cluster import operator

operator(prog_name="python -m bbb_migrate")
