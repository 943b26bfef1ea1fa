"""``bbb-migrate operator``: run the Kubernetes operator (kopf) in the foreground."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"  # noqa: S105


def missing_credentials() -> str | None:
    """What is missing for the operator to log in (kopf's two login paths), or None.

    Checked before kopf starts: without credentials kopf would retry its login forever and print
    two tracebacks, where the user needs one line saying what to provide.
    """
    if os.path.exists(SERVICE_ACCOUNT_TOKEN):
        return None
    kubeconfig = os.environ.get("KUBECONFIG", "")
    if kubeconfig:
        paths = [p for p in kubeconfig.split(os.pathsep) if p.strip()]
        absent = [p for p in paths if not Path(p).expanduser().is_file()]
        if absent or not paths:
            return f"KUBECONFIG names no readable kubeconfig file ({', '.join(absent) or '-'})"
        return None
    if Path("~/.kube/config").expanduser().is_file():
        return None
    return ("no Kubernetes credentials: not in a cluster (no service account token at "
            f"{SERVICE_ACCOUNT_TOKEN}) and no kubeconfig ($KUBECONFIG is unset and "
            "~/.kube/config does not exist)")


@click.command("operator")
@click.option("-n", "--namespace", "namespaces", multiple=True,
              help="Namespace to watch (repeatable; kopf globs such as 'bbb-*' allowed).")
@click.option("-A", "--all-namespaces", "clusterwide", is_flag=True,
              help="Watch every namespace (needs a ClusterRole).")
@click.option("--standalone/--peering", default=True, show_default=True,
              help="Run without kopf peering (one replica, strategy Recreate).")
@click.option("--liveness", "liveness", default="http://0.0.0.0:8081/healthz",
              show_default=True, help="kopf liveness endpoint ('' to disable).")
@click.option("--log-format", type=click.Choice(["plain", "full", "json"]), default="full",
              show_default=True)
@click.option("--verbose", is_flag=True, help="Debug logging.")
def operator(namespaces: tuple[str, ...], clusterwide: bool, standalone: bool, liveness: str,
             log_format: str, verbose: bool) -> None:
    """Run the BBBMigration operator: watch one namespace (-n), several, or all (-A).

    Settings come from BBB_MIGRATE_* environment variables (docs/operator.md); credentials
    from the service account in a cluster, else $KUBECONFIG.
    """
    import kopf

    from ..kube import main as _handlers  # noqa: F401  (registers the handlers)

    if not namespaces and not clusterwide:
        raise click.UsageError("give --namespace (repeatable) or --all-namespaces")
    problem = missing_credentials()
    if problem is not None:
        click.echo(f"Error: {problem}", err=True)
        sys.exit(2)
    kopf.configure(verbose=verbose, log_format=kopf.LogFormat[log_format.upper()], log_prefix=True,
                   log_refkey="k8s" if log_format == "json" else None)
    kopf.run(standalone=standalone, clusterwide=clusterwide,
             namespaces=list(namespaces), liveness_endpoint=liveness or None)
