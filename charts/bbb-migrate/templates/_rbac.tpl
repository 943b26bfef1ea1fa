{{/*
The operator's RBAC rules: exactly the API calls the operator makes (docs/operator.md lists them
and tests/chart/test_rbac.py checks this file against the operator's own list). Add a rule here
only together with the operator code that needs it.
*/}}
{{- define "bbb-migrate.operatorRules" -}}
# The migrations: kopf lists and watches them, and patches its progress annotations and finalizer.
- apiGroups: ["bbb-migrate.esup-portail.org"]
  resources: ["bbbmigrations"]
  verbs: ["get", "list", "watch", "patch"]
# Counts, phase and conditions go through the status subresource.
- apiGroups: ["bbb-migrate.esup-portail.org"]
  resources: ["bbbmigrations/status"]
  verbs: ["patch"]
# One child per recording: created in batches (owned by the migration), indexed by a watch,
# read back one at a time when its Job finishes.
- apiGroups: ["bbb-migrate.esup-portail.org"]
  resources: ["bbbrecordings"]
  verbs: ["get", "list", "watch", "create"]
- apiGroups: ["bbb-migrate.esup-portail.org"]
  resources: ["bbbrecordings/status"]
  verbs: ["patch"]
# ownerReferences with blockOwnerDeletion (children → migration, Jobs → child) need "update" on
# the owner's finalizers where the OwnerReferencesPermissionEnforcement admission plugin runs
# (OpenShift).
- apiGroups: ["bbb-migrate.esup-portail.org"]
  resources: ["bbbmigrations/finalizers", "bbbrecordings/finalizers"]
  verbs: ["update"]
# One recorder Job per attempt (a retry is a new Job; finished ones go by their TTL, and with
# their owner through the garbage collector: the operator never deletes a Job).
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["get", "list", "watch", "create"]
# The recorder's exit code when it wrote no result file (the pod's terminated state).
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list"]
# Credentials are read at the moment of use (never listed, never watched).
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get"]
# Events on the migrations (kopf posts core/v1 Events).
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end }}

{{/* Labels that select recorder pods (set by the operator on every Job's pod template). */}}
{{- define "bbb-migrate.recorderPodSelector" -}}
app.kubernetes.io/component: recorder
app.kubernetes.io/managed-by: bbb-migrate-operator
{{- end }}
