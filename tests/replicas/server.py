"""Serve a replica on loopback, the way xxgk.portal.server serves the demo portal
(the same request handler around `replica.handle`, in a daemon thread)."""
from __future__ import annotations

import contextlib
from typing import Iterator

from xxgk.portal.server import _handler_for, serve_handler
from replicas.common import Replica

SERVER_NAMES = {"aspnet": "Microsoft-IIS/7.5", "trs": "TRS WCM", "govcn": "nginx", "yunnan": "nginx",
                "generic": "Apache"}


@contextlib.contextmanager
def serve_replica(replica: Replica, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Yields the base URL ("http://127.0.0.1:PORT"); replica.start_path is on it."""
    handler = type("ReplicaHandler", (_handler_for(replica),),
                   {"server_version": SERVER_NAMES.get(replica.family, "nginx"), "sys_version": ""})
    with serve_handler(handler, host, port, f"xxgk-replica-{replica.name}") as url:
        yield url
