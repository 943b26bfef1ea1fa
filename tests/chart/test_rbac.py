"""The chart's RBAC grants exactly what the operator calls: every (API group, resource, verb) it
uses, nothing more.

"What the operator calls" is derived from the operator itself, not copied by hand:
- its own client calls: every call in ``bbb_migrate/kube/api.py`` is wrapped in
  ``metrics.api_call(verb, resource)``, with the client object (custom / batch / core) telling the
  API group;
- kopf's calls for the handlers it registers: list + watch of every handled resource, and patch
  (progress annotations, finalizer) of the resources with lifecycle handlers or daemons;
- Events: kopf posts core/v1 Events (``kopf.info/warn/exception``, and its own on errors);
- ownerReferences with ``blockOwnerDeletion``: ``update`` on the owner's ``/finalizers``
  (enforced by the OwnerReferencesPermissionEnforcement admission plugin, e.g. on OpenShift).
When docs/operator.md carries its table of API calls, that table must say the same.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest
from chartlib import REPO, by_kind, load_crds, manifests, one

from bbb_migrate.spec import API_GROUP

KUBE = REPO / "operator" / "bbb_migrate" / "kube"
Call = tuple[str, str, str]  # (apiGroup, resource, verb)

# Client object attribute in KubeApi → API group of what it calls.
CLIENT_GROUPS = {"custom": API_GROUP, "batch": "batch", "core": ""}


def _client_calls_by_method() -> dict[str, set[Call]]:
    """(group, resource, verb) of every ``with self._call(verb, resource):`` (the timeout
    wrapper of ``metrics.api_call``) in api.py, by the KubeApi method that makes it."""
    tree = ast.parse((KUBE / "api.py").read_text(encoding="utf-8"))
    by_method: dict[str, set[Call]] = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.With):
                continue
            for item in node.items:
                expr = item.context_expr
                if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)
                        and expr.func.attr in ("api_call", "_call")):
                    continue
                if not all(isinstance(a, ast.Constant) for a in expr.args):
                    continue  # KubeApi._call itself, passing its arguments on to api_call
                verb, resource = (a.value for a in expr.args)  # string constants
                body = ast.Module(body=node.body, type_ignores=[])
                clients = {n.value.attr for n in ast.walk(body)
                           if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Attribute)
                           and isinstance(n.value.value, ast.Name) and n.value.value.id == "self"
                           and n.value.attr in CLIENT_GROUPS}
                assert len(clients) == 1, f"api_call({verb}, {resource}): clients {clients}"
                by_method.setdefault(function.name, set()).add(
                    (CLIENT_GROUPS[clients.pop()], resource, verb))
    assert by_method, "no metrics.api_call found in api.py: has the operator's client moved?"
    return by_method


def _client_calls() -> set[Call]:
    return set().union(*_client_calls_by_method().values())


def _kopf_calls() -> set[Call]:
    import kopf

    import bbb_migrate.kube.main  # noqa: F401  (registers the handlers in kopf's registry)

    registry = kopf.get_default_registry()
    calls: set[Call] = set()
    watched = (registry._indexing.get_all_handlers() + registry._watching.get_all_handlers()
               + registry._webhooks.get_all_handlers())
    lifecycle = registry._spawning.get_all_handlers() + registry._changing.get_all_handlers()
    for handler in watched + lifecycle:
        selector = handler.selector
        plural = selector.plural or selector.any_name
        calls |= {(selector.group or "", plural, "list"), (selector.group or "", plural, "watch")}
    for handler in lifecycle:
        selector = handler.selector
        calls.add((selector.group or "", selector.plural or selector.any_name, "patch"))
    if lifecycle:
        calls.add(("", "events", "create"))  # kopf reports handler failures as Events
    return calls


def _event_calls() -> set[Call]:
    posts = re.compile(r"\bkopf\.(info|warn|exception|event)\(")
    if any(posts.search(p.read_text(encoding="utf-8")) for p in KUBE.glob("*.py")):
        return {("", "events", "create")}
    return set()


def _owner_finalizer_calls() -> set[Call]:
    """``update`` on ``<owner plural>/finalizers`` for each kind the operator sets as owner."""
    from bbb_migrate.kube import jobs

    reference = jobs.owner_reference("v", "Kind", "n", "u")
    if not reference.get("blockOwnerDeletion"):
        return set()
    plurals = {kind: crd["spec"]["names"]["plural"] for kind, crd in load_crds().items()}
    namespace = vars(jobs)
    calls: set[Call] = set()
    for path in KUBE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and len(node.args) >= 2
                    and getattr(node.func, "attr", getattr(node.func, "id", None))
                    == "owner_reference"):
                arg = node.args[1]
                if isinstance(arg, ast.Constant):
                    kind = arg.value
                else:
                    kind = namespace[arg.id if isinstance(arg, ast.Name) else arg.attr]
                calls.add((API_GROUP, f"{plurals[kind]}/finalizers", "update"))
    return calls


def operator_calls() -> set[Call]:
    return _client_calls() | _kopf_calls() | _event_calls() | _owner_finalizer_calls()


def _granted(rules: list[dict[str, Any]]) -> set[Call]:
    granted: set[Call] = set()
    for rule in rules:
        assert "*" not in rule["verbs"] and "*" not in rule["resources"], rule
        assert not rule.get("resourceNames") and not rule.get("nonResourceURLs"), rule
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                for verb in rule["verbs"]:
                    granted.add((group, resource, verb))
    return granted


def _diff(expected: set[Call], actual: set[Call]) -> str:
    return (f"missing (operator calls, chart does not grant): {sorted(expected - actual)}\n"
            f"extra (chart grants, operator never calls): {sorted(actual - expected)}")


def test_derivation_finds_the_calls_it_should() -> None:
    """Guard against a derivation that silently finds nothing (and so checks nothing)."""
    calls = operator_calls()
    assert (API_GROUP, "bbbmigrations", "watch") in calls
    assert ("batch", "jobs", "create") in calls
    assert ("", "secrets", "get") in calls
    assert ("", "events", "create") in calls


@pytest.mark.parametrize("values", [{}, {"watch": {"allNamespaces": True}},
                                    {"watch": {"namespaces": ["bbb-a", "bbb-b"]}}],
                         ids=["namespaced", "all-namespaces", "namespace-list"])
def test_rbac_rules_are_exactly_the_operator_calls(values: dict[str, Any]) -> None:
    objects = manifests(values)
    roles = [r for r in by_kind(objects, "Role") + by_kind(objects, "ClusterRole")
             if r["metadata"]["labels"]["app.kubernetes.io/component"] == "operator"]
    assert roles
    expected = operator_calls()
    for role in roles:
        granted = _granted(role["rules"])
        assert granted == expected, f"{role['kind']}/{role['metadata']['name']}:\n" + _diff(
            expected, granted)


VERBS = {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}


def _documented_calls(text: str, *, scanning_disabled: bool) -> set[Call]:
    """Rows of the table under docs/operator.md's "API calls" heading:
    | API group | resource | verbs | why |. Rows the "why" marks as not needed with
    BBB_MIGRATE_DISABLE_SCANNING are left out when the chart sets it."""
    section = re.search(r"^## API calls.*?$(.*?)(?=^## |\Z)", text, re.M | re.S)
    if section is None:
        return set()
    calls: set[Call] = set()
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[2] or set(cells[2]) <= {"-", " ", ":"}:
            continue
        verbs = {v.strip() for v in cells[2].split(",")}
        if not verbs <= VERBS:
            continue  # the header row
        if scanning_disabled and "not with `BBB_MIGRATE_DISABLE_SCANNING`" in line:
            continue
        group = cells[0].strip("`")
        group = "" if group in ('""', "core", "(core)") else group
        calls |= {(group, cells[1].strip("`"), verb) for verb in verbs}
    return calls


def test_docs_list_the_same_calls() -> None:
    doc = REPO / "docs" / "operator.md"
    if not doc.exists():
        pytest.skip("docs/operator.md not written yet")
    deployment = one(manifests(), "Deployment")
    env = {e["name"]: e.get("value")
           for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}
    documented = _documented_calls(
        doc.read_text(encoding="utf-8"),
        scanning_disabled=env.get("BBB_MIGRATE_DISABLE_SCANNING") == "true")
    assert documented, "docs/operator.md has no '## API calls' table"
    expected = operator_calls()
    assert documented == expected, (
        "docs/operator.md's API-call table and the operator's code disagree:\n"
        f"in the code, not in the docs: {sorted(expected - documented)}\n"
        f"in the docs, never called by the code: {sorted(documented - expected)}")


def test_recorder_jobs_get_no_api_access() -> None:
    objects = manifests({"watch": {"namespaces": ["bbb-a"]}})
    recorder_accounts = {s["metadata"]["name"] for s in by_kind(objects, "ServiceAccount")
                         if s["metadata"]["labels"]["app.kubernetes.io/component"] == "recorder"}
    for binding in by_kind(objects, "RoleBinding"):
        assert not {s["name"] for s in binding["subjects"]} & recorder_accounts


def _cli_cluster_calls() -> set[Call]:
    """What the ``-n`` commands ask of the API besides Secrets: the KubeApi methods called on
    ``api`` in kube/shutdown_rows.py (shutdown-check), through the same derivation."""
    tree = ast.parse((KUBE / "shutdown_rows.py").read_text(encoding="utf-8"))
    methods = {n.func.attr for n in ast.walk(tree)
               if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and isinstance(n.func.value, ast.Name) and n.func.value.id == "api"}
    by_method = _client_calls_by_method()
    assert methods and methods <= set(by_method), methods
    return set().union(*(by_method[m] for m in methods))


def _user_roles(values: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return {r["metadata"]["name"].rsplit("-", 1)[-1]: r
            for r in by_kind(manifests(values), "ClusterRole")
            if r["metadata"]["labels"]["app.kubernetes.io/component"] == "user-access"}


def test_default_roles_let_people_read_and_manage_migrations() -> None:
    roles = _user_roles()
    assert set(roles) == {"view", "edit"}
    aggregate = "rbac.authorization.k8s.io/aggregate-to-"
    into = {name: {k.removeprefix(aggregate) for k, v in role["metadata"]["labels"].items()
                   if k.startswith(aggregate) and v == "true"} for name, role in roles.items()}
    assert into == {"view": {"view", "edit", "admin"}, "edit": {"edit", "admin"}}
    view, edit = _granted(roles["view"]["rules"]), _granted(roles["edit"]["rules"])
    # "view" is enough for kubectl get and for the cluster reads of the -n commands
    plurals = {crd["spec"]["names"]["plural"] for crd in load_crds().values()}
    assert {(API_GROUP, p, v) for p in plurals for v in ("get", "list", "watch")} <= view
    assert _cli_cluster_calls() <= view
    assert {verb for _, _, verb in view} == {"get", "list", "watch"}  # and nothing more
    assert {(API_GROUP, "bbbmigrations", v) for v in ("create", "patch", "delete")} <= edit
    assert not {r for _, r, _ in view | edit} - {*plurals, *(f"{p}/status" for p in plurals)}


def test_default_roles_can_be_left_out() -> None:
    assert _user_roles({"rbac": {"aggregateToDefaultRoles": False}}) == {}
