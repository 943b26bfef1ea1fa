"""References to secrets, resolved at the moment of use and never logged.

A spec never holds a credential. It names where one is: an environment variable, a file (for
example a mounted Kubernetes Secret), or a Kubernetes Secret key (resolved by the operator).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel


class SecretError(RuntimeError):
    """A secret reference that cannot be resolved; the message names the reference, not a value."""


class SecretKeySelector(BaseModel):
    """A key of a Kubernetes Secret in the migration's namespace."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              frozen=True)

    name: str = Field(min_length=1)
    key: str = Field(min_length=1)


class SecretRef(BaseModel):
    """Exactly one of ``env``, ``file`` or ``secretKeyRef``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid",
                              frozen=True)

    env: str | None = Field(None, description="Environment variable holding the value.")
    file: str | None = Field(None, description="File holding the value (trailing newline cut).")
    secret_key_ref: SecretKeySelector | None = Field(
        None, description="Kubernetes Secret key (operator only)."
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> SecretRef:
        given = [v for v in (self.env, self.file, self.secret_key_ref) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of env, file or secretKeyRef")
        return self

    def describe(self) -> str:
        """Where the secret is, for error messages (never its value)."""
        if self.env is not None:
            return f"environment variable {self.env}"
        if self.file is not None:
            return f"file {self.file}"
        assert self.secret_key_ref is not None
        return f"Secret {self.secret_key_ref.name} key {self.secret_key_ref.key}"


SecretReader = Callable[[SecretKeySelector], str]
"""How an executor reads a Kubernetes Secret key (the operator passes one; the CLI does not)."""


def resolve(ref: SecretRef, kube_reader: SecretReader | None = None) -> str:
    """Return the secret's value, or raise :class:`SecretError` naming the reference."""
    if ref.env is not None:
        value = os.environ.get(ref.env)
        if value is None:
            raise SecretError(f"{ref.describe()} is not set")
    elif ref.file is not None:
        try:
            value = Path(ref.file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise SecretError(f"{ref.describe()} cannot be read: {exc.strerror}") from None
    else:
        assert ref.secret_key_ref is not None
        if kube_reader is None:
            raise SecretError(f"{ref.describe()} can only be read by the operator in a cluster")
        value = kube_reader(ref.secret_key_ref)
    if value == "":
        raise SecretError(f"{ref.describe()} is empty")
    return value
