"""Report identity: one report, one id, whatever address it was reached by (pure functions).

A report's id is the first 16 hex digits of the sha256 of its *canonical URL*:
- the scheme is folded (http and https are the same page: a portal moving to https keeps its ids);
- the host is lower-cased, a trailing dot dropped, a leading `www.` dropped, and a host the
  registry declares as another name of the portal (`hosts:`) replaced by the portal's first
  host name;
- the default ports (80, 443) are dropped, other ports kept;
- the fragment and tracking parameters (`utm_*` and the click ids below) are dropped; the
  other query parameters are kept in their order.

The canonical form is written `http://host[:port]/path[?query]`, so that an id computed before
these rules (scheme and host lower-cased, default port and fragment dropped) is unchanged for
a plain http address; the others are re-keyed once by migration 3 (storage/migrations.py),
which keeps every old id in `report_ids`.
"""
from __future__ import annotations

import hashlib
from typing import Mapping, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that say how a reader came, not what page it is.
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(("gclid", "fbclid", "msclkid", "dclid", "yclid", "mc_cid", "mc_eid",
                             "_hsenc", "_hsmi", "spm"))
DEFAULT_PORTS = frozenset((80, 443))
ID_LENGTH = 16


def fold_host(host: str, aliases: Optional[Mapping[str, str]] = None) -> str:
    """The host as ids see it: lower case, no trailing dot, no `www.`, aliases resolved."""
    host = (host or "").strip().lower().rstrip(".")
    aliases = aliases or {}
    host = aliases.get(host, host)
    if host.startswith("www.") and host.count(".") >= 2:
        host = host[4:]
    return aliases.get(host, host)


def host_aliases(groups) -> dict[str, str]:
    """{alias: canonical host} from groups of host names of one portal each, the first of a
    group being the one its reports' ids use (the registry's `hosts:`)."""
    out: dict[str, str] = {}
    for group in groups:
        names = [fold_host(h) for h in group if h]
        for name in names[1:]:
            if name != names[0]:
                out[name] = names[0]
    return out


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, aliases: Optional[Mapping[str, str]] = None) -> str:
    """The address ids are made from (see the module's docstring)."""
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:  # not a number: keep the address as given
        port = None
    host = parts.hostname or ""
    if not host and not parts.netloc:  # not an absolute address: only the fragment goes
        return urlunsplit((parts.scheme.lower(), "", parts.path, parts.query, ""))
    netloc = fold_host(host, aliases)
    if ":" in netloc:  # IPv6 literal
        netloc = f"[{netloc}]"
    if port is not None and port not in DEFAULT_PORTS:
        netloc += f":{port}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_tracking(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit(("http", netloc, parts.path or "/", query, ""))


def report_id_for(url: str, aliases: Optional[Mapping[str, str]] = None) -> str:
    """Stable report id: the first 16 hex digits of sha256(canonical URL)."""
    return hashlib.sha256(canonical_url(url, aliases).encode("utf-8")).hexdigest()[:ID_LENGTH]
