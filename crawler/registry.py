"""The portal registry (crawler/portals.yaml) as typed entries, checked on load."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlsplit

import yaml

from crawler.families import NAMES as FAMILY_NAMES
from crawler.regions import province_of

REGISTRY_PATH = Path(__file__).with_name("portals.yaml")
REGISTRY_ENV = "XXGK_REGISTRY"
LEVELS = ("central", "province", "city", "county", "town")
# How well an entry's address is proven (README "The registry"): confirmed = the column was
# seen at that address; plausible = the host is real and the address fits, the column itself
# was not seen; unverified = no evidence found (crawl --all skips it unless asked).
STATUSES = ("confirmed", "plausible", "unverified")
CRAWLED_BY_DEFAULT = ("confirmed", "plausible")
# Who an entry is, read from the body that opens its name (labels as data, README "The
# registry"): a province's own government or its general office ("河北省人民政府 …",
# "吉林省人民政府办公厅 …", "江西省人民政府（办公厅） …"), and the ministries and commissions
# that make up the State Council (国务院组成部门, as reorganised in 2023).
PROVINCIAL_GOVERNMENT_BODIES = ("人民政府", "人民政府办公厅")
STATE_COUNCIL_MINISTRIES = (
    "外交部", "国防部", "国家发展和改革委员会", "教育部", "科学技术部", "工业和信息化部",
    "国家民族事务委员会", "公安部", "国家安全部", "民政部", "司法部", "财政部",
    "人力资源和社会保障部", "自然资源部", "生态环境部", "住房和城乡建设部", "交通运输部",
    "水利部", "农业农村部", "商务部", "文化和旅游部", "国家卫生健康委员会", "退役军人事务部",
    "应急管理部", "中国人民银行", "审计署",
)
_BRACKETED_RE = re.compile(r"（[^）]*）|\([^)]*\)")
_REGION_RE = re.compile(r"^\d{6}$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class PortalEntry:
    id: str
    name: str
    family: str
    start_urls: tuple[str, ...]
    level: Optional[str] = None
    region_code: Optional[str] = None
    schedule: Optional[str] = None
    bundled: bool = False
    notes: str = ""
    province: Optional[str] = None  # default: from region_code (crawler/regions.py)
    city: Optional[str] = None
    status: str = "unverified"
    verified: Optional[str] = None   # ISO date the evidence was last looked at
    evidence: str = ""               # where the address was seen, with the addresses
    # Origins (scheme://host[:port]) besides the start URLs' that links and redirects may
    # lead to, e.g. the https twin of an http portal. Everything else is off-site.
    allowed_origins: tuple[str, ...] = ()
    # The portal's host names, the first being the one its reports' ids are made from: the
    # others (an old host name, the www. form, localhost for 127.0.0.1) are aliases, so the
    # portal reached by any of them keeps its reports' ids (storage/identity.py).
    hosts: tuple[str, ...] = ()

    def region(self) -> dict[str, Optional[str]]:
        """What the archive records about where a report comes from (facets)."""
        return {"region_code": self.region_code, "level": self.level,
                "province": self.province or province_of(self.region_code, self.level),
                "city": self.city}

    @property
    def crawl_origins(self) -> tuple[str, ...]:
        """Origins the crawl may follow besides the start URLs': allowed_origins, and each start
        URL's scheme and port on the portal's other host names (`hosts`), so that a page
        linking the portal by another of its names stays on the site."""
        out = list(self.allowed_origins)
        for url in self.start_urls:
            parts = urlsplit(url)
            if parts.scheme and parts.hostname:
                port = f":{parts.port}" if parts.port else ""
                out += [f"{parts.scheme}://{host.lower()}{port}" for host in self.hosts]
        return tuple(dict.fromkeys(out))

    @property
    def province_code(self) -> Optional[str]:
        """The province part of region_code ("530128" → "53")."""
        return self.region_code[:2] if self.region_code else None


def body_of(entry: "PortalEntry") -> str:
    """The body an entry's name opens with, without bracketed asides ("江西省人民政府（办公厅）
    政府信息公开…" → "江西省人民政府")."""
    return _BRACKETED_RE.sub("", entry.name.split()[0]) if entry.name.split() else ""


def is_provincial_government(entry: "PortalEntry") -> bool:
    """The column of a province's own government or of its general office (not a department)."""
    from crawler.regions import PROVINCES

    if entry.level != "province" or not entry.region_code:
        return False
    province = PROVINCES.get(entry.region_code[:2], "")
    return body_of(entry) in {province + body for body in PROVINCIAL_GOVERNMENT_BODIES}


def is_ministry(entry: "PortalEntry") -> bool:
    """The column of a ministry or commission of the State Council (国务院组成部门)."""
    return entry.level == "central" and body_of(entry) in STATE_COUNCIL_MINISTRIES


class RegistryError(ValueError):
    pass


def _check(entry: PortalEntry, path: Path) -> None:
    def bad(what: str) -> RegistryError:
        return RegistryError(f"{path}: portal {entry.id!r}: {what}")

    if not _ID_RE.match(entry.id):
        raise bad("id must be lower-case letters, digits and dashes")
    if entry.family not in FAMILY_NAMES:
        raise bad(f"unknown family {entry.family!r} (known: {', '.join(FAMILY_NAMES)})")
    if entry.level is not None and entry.level not in LEVELS:
        raise bad(f"unknown level {entry.level!r} (known: {', '.join(LEVELS)})")
    if entry.region_code is not None and not _REGION_RE.match(entry.region_code):
        raise bad(f"region_code {entry.region_code!r} is not a six-digit GB/T 2260 code")
    if entry.status not in STATUSES:
        raise bad(f"unknown status {entry.status!r} (known: {', '.join(STATUSES)})")
    if entry.verified is not None:
        try:
            dt.date.fromisoformat(entry.verified)
        except ValueError:
            raise bad(f"verified {entry.verified!r} is not a date (YYYY-MM-DD)") from None
    if entry.status != "unverified" and not (entry.evidence.strip() and entry.verified):
        raise bad(f"a {entry.status} entry needs its evidence and the date it was verified")
    if not entry.start_urls:
        raise bad("no start_urls")
    for url in entry.start_urls:
        if entry.bundled:
            if not url.startswith("/"):
                raise bad(f"a bundled portal's start URL is a path: {url!r}")
        elif not re.match(r"^https?://[^/\s]+", url):
            raise bad(f"start URL is not an http(s) address: {url!r}")
        else:
            try:
                urlsplit(url).port  # parses the host too: "Invalid IPv6 URL", a bad port
            except ValueError as exc:
                raise bad(f"start URL {url!r}: {exc}") from None
    for host in entry.hosts:
        if not re.match(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$", str(host)):
            raise bad(f"hosts wants host names (no scheme, port or path), not {host!r}")
    if entry.hosts and not entry.bundled:
        names = {str(h).lower() for h in entry.hosts}
        for url in entry.start_urls:
            if (urlsplit(url).hostname or "") not in names:
                raise bad(f"start URL {url!r} is on a host that hosts does not name")
    for origin in entry.allowed_origins:
        if not re.match(r"^https?://[^/\s]+/?$", str(origin)):
            raise bad(f"allowed_origins wants scheme://host[:port], not {origin!r}")


def _date_text(value) -> Optional[str]:
    """YAML reads 2026-11-30 as a date; the entry keeps text."""
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def select(entries, statuses=CRAWLED_BY_DEFAULT) -> list[PortalEntry]:
    """The entries whose status is one of `statuses`, in registry order."""
    return [e for e in entries if e.status in statuses]


def load(path: Optional[Path] = None, problems: Optional[list[str]] = None) -> dict[str, PortalEntry]:
    """The registry: `path`, else $XXGK_REGISTRY (another file, e.g. for a private set of
    portals or a test), else crawler/portals.yaml.

    A bad entry raises RegistryError; with a `problems` list it is reported there and skipped
    instead, so that one typo in a private registry does not stop cron's other portals."""
    path = Path(path or os.environ.get(REGISTRY_ENV) or REGISTRY_PATH)
    if path == REGISTRY_PATH and not path.is_file():  # the package runs from a zipped egg (Scrapyd)
        import pkgutil

        text = (pkgutil.get_data(__package__, REGISTRY_PATH.name) or b"").decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    entries: dict[str, PortalEntry] = {}
    for raw in data.get("portals", []):
        try:
            _add(entries, raw, path)
        except RegistryError as exc:
            if problems is None:
                raise
            problems.append(str(exc))
    return entries


def _add(entries: dict[str, PortalEntry], raw, path: Path) -> None:
    """Check one raw entry and add it to `entries` (RegistryError when it is bad)."""
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: bad portal entry {raw!r}: not a mapping")
    try:
        region = raw.get("region_code")
        entry = PortalEntry(
            id=str(raw["id"]), name=str(raw["name"]), family=str(raw.get("family", "generic")),
            start_urls=tuple(raw["start_urls"]), level=raw.get("level"),
            region_code=str(region) if region is not None else None, schedule=raw.get("schedule"),
            bundled=bool(raw.get("bundled", False)),
            notes=str(raw.get("notes") or ""),
            province=raw.get("province"), city=raw.get("city"),
            status=str(raw.get("status") or "unverified"),
            verified=_date_text(raw.get("verified")),
            evidence=" ".join(str(raw.get("evidence") or "").split()),
            allowed_origins=tuple(raw.get("allowed_origins") or ()),
            hosts=tuple(str(h) for h in (raw.get("hosts") or ())),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise RegistryError(f"{path}: bad portal entry {raw!r}: missing {exc}") from None
    if entry.id in entries:
        raise RegistryError(f"{path}: duplicate portal id {entry.id!r}")
    _check(entry, path)
    entries[entry.id] = entry


def coverage_markdown(entries) -> str:
    """The README's coverage table: real entries by place and level, and by status."""
    from crawler.regions import CENTRAL, MAINLAND, PROVINCES

    real = [e for e in entries if not e.bundled]
    rows: dict[str, list[int]] = {}
    columns = LEVELS + STATUSES
    for e in real:
        key = "00" if e.level == "central" else (e.region_code or "??")[:2]
        counts = rows.setdefault(key, [0] * len(columns))
        counts[columns.index(e.level)] += 1
        counts[columns.index(e.status)] += 1
    lines = ["| place | " + " | ".join(columns) + " | entries |",
             "|---|" + "---:|" * (len(columns) + 1)]
    for key in sorted(rows):
        name = CENTRAL if key == "00" else PROVINCES.get(key, key)
        counts = rows[key]
        lines.append(f"| {name} | " + " | ".join(str(n or "") for n in counts)
                     + f" | {sum(counts[:len(LEVELS)])} |")
    totals = [sum(r[i] for r in rows.values()) for i in range(len(columns))]
    lines.append(f"| **all ({len(rows) - ('00' in rows)} provinces)** | "
                 + " | ".join(f"**{n}**" for n in totals) + f" | **{len(real)}** |")
    evidenced = ("confirmed", "plausible")
    govts: dict[str, set[str]] = {}
    for e in real:
        if is_provincial_government(e):
            govts.setdefault(e.province_code, set()).add(e.status)
    proven = sorted(k for k, s in govts.items() if s & set(evidenced))
    leads = sorted(k for k in govts if k not in proven)
    ministries = [e for e in real if is_ministry(e)]
    lines += ["", f"Provincial governments (or their general offices): {len(govts)} of {len(MAINLAND)} "
              f"provinces have an entry, {len(proven)} with evidence (confirmed or plausible)"
              + (f", {len(leads)} only as unverified leads ({'、'.join(PROVINCES[k] for k in leads)})"
                 if leads else "")
              + f". Ministries of the State Council (国务院组成部门): {len(ministries)}, "
              f"{sum(e.status in evidenced for e in ministries)} with evidence."]
    return "\n".join(lines)
