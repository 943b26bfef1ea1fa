"""The BBB / Scalelite ``getRecordings`` source.

``checksum``  signing and checking API calls (sha1, sha256, sha384, sha512)
``xmlparse``  the streaming, safe, bounded reply parser → :class:`~bbb_migrate.models.Recording`
``sanitize``  the reply's bytes: repaired (UTF-8, illegal characters), capped, DTD-free
``limits``    the documented limits (text, recording, reply, listing memory, deadline)
``urls``      the API base URL, and URLs and host names safe to print (no password)
``xmlwrite``  writing replies (simulator, listing cache)
``paging``    walking pages: totalElements, full pages, short pages, lying counts
``shards``    reading a 2.6+ server by record ID prefixes: every format, each recording once
``client``    :class:`BBBClient`: deadline per request, retries with backoff, formats pass
``listing``   :func:`list_recordings` from the spec's ``source`` section, with the optional cache
"""

from .client import BBBClient, api_base, merge_formats
from .errors import BBBError
from .listing import list_recordings
from .urls import redact_url

__all__ = ["BBBClient", "BBBError", "api_base", "list_recordings", "merge_formats",
           "redact_url"]
