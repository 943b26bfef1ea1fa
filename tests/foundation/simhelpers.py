"""Helpers of the foundation tests (a module of its own: each test folder has a conftest.py,
so ``from conftest import …`` would pick whichever folder's was imported first)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bbb_migrate.simulator import Simulator
from bbb_migrate.simulator.catalogue import record_id_for
from bbb_migrate.source import BBBClient

SECRET = "test-secret-0123456789"


def client(sim: Simulator, **kwargs) -> BBBClient:
    """A client of ``sim`` with fast retries."""
    kwargs.setdefault("backoff_seconds", 0.01)
    kwargs.setdefault("timeout", 5)
    return BBBClient(sim.api_url, kwargs.pop("secret", SECRET), **kwargs)


METADATA_XML = """<?xml version="1.0" encoding="UTF-8"?>
<recording>
  <id>{rid}</id>
  <state>published</state>
  <published>true</published>
  <start_time>{start}</start_time>
  <end_time>{end}</end_time>
  <participants>3</participants>
  <rawSize>123456</rawSize>
  <meeting id="{rid}" externalId="{mid}" name="{name}" breakout="false"/>
  <meta>
    <isBreakout>false</isBreakout>
    <meetingName>{name}</meetingName>
    <meetingId>{mid}</meetingId>
    <bbb-origin>Moodle</bbb-origin>
    <bbb-origin-server-name>moodle.example.org</bbb-origin-server-name>
    <bbb-context>Cours d'essai</bbb-context>
    <bbb-recording-name>{name}</bbb-recording-name>
  </meta>
  <playback>
    <format>presentation</format>
    <link>https://bbb.example.org/playback/presentation/2.3/{rid}</link>
    <processing_time>4321</processing_time>
    <duration>{duration}</duration>
    <extensions>
      <preview>
        <images>
          <image width="176" height="136" alt="Slide 1">https://bbb.example.org/presentation/{rid}/presentation/d1/thumbnails/thumb-1.png</image>
        </images>
      </preview>
    </extensions>
    <size>98765</size>
  </playback>
</recording>
"""


def write_published(root: Path, mid: str, start_ms: int, name: str = "Séance « 1 »",
                    duration_ms: int = 20000) -> str:
    """Write ``root/<record id>/metadata.xml`` as BBB does; returns the record ID."""
    rid = record_id_for(mid, datetime.fromtimestamp(start_ms / 1000, tz=UTC))
    folder = root / rid
    folder.mkdir(parents=True)
    (folder / "metadata.xml").write_text(METADATA_XML.format(
        rid=rid, mid=mid, name=name, start=start_ms, end=start_ms + duration_ms,
        duration=duration_ms), encoding="utf-8")
    return rid
