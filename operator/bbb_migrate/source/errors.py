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


def connection_cause(exc: BaseException) -> str:
    """Why a request could not reach the server, in words a person can act on.

    requests wraps the real cause several levels deep (``ConnectionError`` → urllib3's
    ``MaxRetryError`` → ``NewConnectionError`` → ``ConnectionRefusedError``); this walks the chain
    and names the first known cause: TLS, DNS, refused, timed out, reset. Never the URL (it
    carries the checksum).
    """
    import socket
    import ssl

    chain: list[BaseException] = []
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or any(item is seen for seen in chain):
            continue
        chain.append(item)
        pending += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]

    def found(*types: type[BaseException]) -> BaseException | None:
        return next((e for e in chain if isinstance(e, types)), None)

    names = {type(e).__name__ for e in chain}
    tls = found(ssl.SSLError)
    if tls is not None or "SSLError" in names:
        detail = getattr(tls, "verify_message", None) or getattr(tls, "reason", None) or ""
        return (f"TLS handshake failed{f' ({detail})' if detail else ''}: an http:// server, "
                "or a certificate this machine does not trust (install its CA, or set "
                "source.verifyTls: false only on a test server)")
    if found(socket.gaierror) is not None or "NameResolutionError" in names:
        return "DNS: the server's host name does not resolve (check the URL's host)"
    if found(ConnectionRefusedError) is not None:
        return ("connection refused: nothing listens on that host and port (check the URL's "
                "port, the server, or a firewall)")
    if found(TimeoutError, socket.timeout) is not None or "ConnectTimeoutError" in names:
        return "connection timed out (a firewall dropping packets, or the wrong host)"
    if found(ConnectionResetError) is not None:
        return "connection reset by the server or a proxy"
    return type(exc).__name__
