"""import-video from rendered files through the operator: one recorder Job per recording, then
the operator moves each MP4 from the shared volume into ``mediaPath`` and writes the owner's
external recording (Pod type ``video``) pointing at ``baseUrl``."""

from __future__ import annotations

import pytest
from kube_helpers import BBB_SECRET, phases
from pubdb import SECRET_KEY, seed_pod
from test_migration import Kubelet, _completed, _run_until

pytestmark = pytest.mark.db

BASE = "https://media.univ.example.org/bbb/"


async def test_rendered_mp4s_land_in_the_media_folder_and_rows_point_at_them(
        cluster, operator_process, simulator, shared_root, dbs):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    media = shared_root / "media"
    media.mkdir()
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("pod", {"url": pod.url, "secret-key": SECRET_KEY})
    spec = {
        "source": {"url": simulator.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "import-video",
        "selection": {"last": 4},
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": 2, "attempts": 1},
        "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod", "key": "url"}}},
                "secretKeyRef": {"secretKeyRef": {"name": "pod", "key": "secret-key"}},
                "importVideo": {"source": "rendered", "baseUrl": BASE,
                                "mediaPath": str(media)}},
    }
    await operator_process.start()
    await cluster.create_migration("rendered", spec)
    kubelet = Kubelet(cluster)
    _m, children = await _run_until(cluster, kubelet, "rendered", _completed, operator_process)
    assert phases(children) == {"Published": 4}
    assert len(kubelet.finished) == 4  # every recording rendered or downloaded by a Job
    record_ids = sorted(c["spec"]["recordId"] for c in children)
    assert sorted(p.name for p in media.iterdir()) == [f"{r}.mp4" for r in record_ids]
    rows = pod.query("SELECT e.source_url, e.type, u.username FROM "
                     "import_video_externalrecording e JOIN auth_user u ON u.id = e.owner_id "
                     "ORDER BY 1")
    assert rows == [(f"{BASE}{r}.mp4", "video", "admin") for r in record_ids]
