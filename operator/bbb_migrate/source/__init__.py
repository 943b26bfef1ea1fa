"""The BBB / Scalelite ``getRecordings`` source.

``checksum``  signing and checking API calls (sha1, sha256, sha384, sha512)
``xmlparse``  the streaming, safe (defusedxml) reply parser → :class:`~bbb_migrate.models.Recording`
``xmlwrite``  writing replies (simulator, listing cache)
``client``    :class:`BBBClient`: paging detection, retries with backoff, timeouts
``listing``   :func:`list_recordings` from the spec's ``source`` section, with the optional cache
"""

from .client import BBBClient, api_base, merge_formats
from .errors import BBBError
from .listing import list_recordings

__all__ = ["BBBClient", "BBBError", "api_base", "list_recordings", "merge_formats"]
