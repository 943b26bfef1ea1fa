"""``bbb-migrate operator``: run the Kubernetes operator (kopf) in the foreground."""

from __future__ import annotations

import click


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
    kopf.configure(verbose=verbose, log_format=kopf.LogFormat[log_format.upper()], log_prefix=True,
                   log_refkey="k8s" if log_format == "json" else None)
    kopf.run(standalone=standalone, clusterwide=clusterwide,
             namespaces=list(namespaces), liveness_endpoint=liveness or None)
