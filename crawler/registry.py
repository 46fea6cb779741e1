"""The portal registry (crawler/portals.yaml) as typed entries."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

REGISTRY_PATH = Path(__file__).with_name("portals.yaml")


@dataclass(frozen=True)
class PortalEntry:
    id: str
    name: str
    family: str
    start_urls: tuple[str, ...]
    level: Optional[str] = None
    region_code: Optional[str] = None
    schedule: Optional[str] = None
    encoding: Optional[str] = None
    bundled: bool = False
    notes: str = ""


class RegistryError(ValueError):
    pass


def load(path: Path = REGISTRY_PATH) -> dict[str, PortalEntry]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries: dict[str, PortalEntry] = {}
    for raw in data.get("portals", []):
        try:
            entry = PortalEntry(
                id=str(raw["id"]), name=str(raw["name"]), family=str(raw.get("family", "generic")),
                start_urls=tuple(raw["start_urls"]), level=raw.get("level"),
                region_code=raw.get("region_code"), schedule=raw.get("schedule"),
                encoding=raw.get("encoding"), bundled=bool(raw.get("bundled", False)),
                notes=str(raw.get("notes") or ""),
            )
        except (KeyError, TypeError) as exc:
            raise RegistryError(f"{path}: bad portal entry {raw!r}: missing {exc}") from None
        if entry.id in entries:
            raise RegistryError(f"{path}: duplicate portal id {entry.id!r}")
        entries[entry.id] = entry
    return entries
