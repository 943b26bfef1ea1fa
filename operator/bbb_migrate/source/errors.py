"""The one error type of the BBB source client.

Every message names the server (host only) and BBB's ``messageKey`` so a person can act on it,
and never contains the shared secret, the checksum or the signed query string, because these
messages end up in logs, Kubernetes Events and CI output.
"""

from __future__ import annotations


class BBBError(Exception):
    """A getRecordings call that failed.

    ``message_key`` is BBB's ``messageKey`` for FAILED replies (``checksumError``, ``notFound`` …)
    or one of this client's own keys: ``http<status>``, ``connectionError``, ``timeout``,
    ``invalidXML``, ``unsafeXML``, ``pagingUnsupported``. ``retryable`` says whether trying again
    later may help (transport problems and 5xx) or not (wrong secret, unsafe XML).
    """

    def __init__(self, server: str, message_key: str, message: str, *, retryable: bool = False):
        self.server = server
        self.message_key = message_key
        self.message = message
        self.retryable = retryable
        super().__init__(f"{server}: getRecordings failed: {message_key}: {message}")
