"""The CEL rules (``x-kubernetes-validations``) of the BBBMigration CRD: the cross-field checks
pydantic does in Python, so that a mistake is rejected by ``kubectl apply`` (see :mod:`.crdgen`).
"""

from __future__ import annotations

SECRET_REF_RULES = [
    {
        "rule": "(has(self.env) ? 1 : 0) + (has(self.file) ? 1 : 0)"
        " + (has(self.secretKeyRef) ? 1 : 0) == 1",
        "message": "give exactly one of env, file or secretKeyRef",
    },
    {
        # In a cluster env/file would be read from the *operator's* pod: anyone allowed to create
        # a BBBMigration could then make the operator read its own service-account token.
        "rule": "has(self.secretKeyRef)",
        "message": "in a cluster a secret must be a secretKeyRef (a Secret in this namespace); "
        "env and file would read the operator's own environment and files",
    },
]

SPEC_RULES = [
    {
        "rule": "self.mode != 'import-video' || (has(self.dryRun) && self.dryRun)"
        " || (has(self.pod) && has(self.pod.database) && has(self.pod.secretKeyRef))",
        "message": "mode import-video needs pod.database and pod.secretKeyRef (unless dryRun)",
    },
    {
        "rule": "self.mode != 'claim' || (has(self.dryRun) && self.dryRun) || has(self.volume)",
        "message": "mode claim needs volume (the shared ReadWriteMany claim the Jobs write to)",
    },
    {
        "rule": "self.mode == oldSelf.mode",
        "message": "mode is immutable: create a new BBBMigration",
    },
    {
        "rule": "self.source.url == oldSelf.source.url",
        "message": "source.url is immutable: create a new BBBMigration",
    },
]

SELECTION_RULES = [
    {
        "rule": "!has(self.last) || !has(self.first) || self.last >= self.first",
        "message": "selection.last must be greater than or equal to selection.first",
    },
]

IMPORT_VIDEO_RULES = [
    {
        "rule": "!has(self.source) || self.source != 'rendered' || has(self.baseUrl)",
        "message": "pod.importVideo.source rendered needs baseUrl (where the MP4s are served)",
    },
]

RULES_BY_DEF = {"SecretRef": SECRET_REF_RULES, "Selection": SELECTION_RULES,
                "ImportVideoSettings": IMPORT_VIDEO_RULES}
