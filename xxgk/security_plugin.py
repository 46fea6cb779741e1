"""Datasette plugin: security headers on every response of `xxgk serve`.

Crawled text is shown on every page, and an archive may be served to the public, so each
response (datasette's own pages and the project's) carries

- `Content-Security-Policy`: scripts only from this server (no inline script except the
  exact ones datasette's and the project's templates contain, allowed by their sha256), no
  plugins, no <base>, forms post here only, and `frame-ancestors 'none'` (no clickjacking);
- `X-Frame-Options: DENY` (the same for browsers that ignore frame-ancestors),
  `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`.

A response that sets its own policy keeps it (the archived original is served with
`sandbox`); `frame-ancestors 'none'` is added to it when missing.

The hashes are computed at start-up from the template files themselves, so a datasette
upgrade that changes an inline script keeps working; a script with template expressions in
it is allowed only in the variants listed in `SCRIPT_VARIANTS`.
"""
from __future__ import annotations

import base64
import hashlib
import pathlib
import re
from typing import Any, Iterable

import datasette
from datasette import hookimpl

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
TEMPLATE_DIRS = (pathlib.Path(datasette.__file__).resolve().parent / "templates", PACKAGE_DIR / "templates")
_INLINE_SCRIPT_RE = re.compile(r"<script(?:\s+type=\"module\")?\s*>(.*?)</script>", re.S)
# Template expressions inside inline scripts, and every value they can render to.
SCRIPT_VARIANTS = {"{{ datasette_allow_facet }}": ("true", "false")}


def _script_sources(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for body in _INLINE_SCRIPT_RE.findall(text):
            bodies = [body]
            for expression, values in SCRIPT_VARIANTS.items():
                if expression in body:
                    bodies = [b.replace(expression, v) for b in bodies for v in values]
            found.update(b for b in bodies if "{{" not in b and "{%" not in b)
    return found


def inline_script_hashes(dirs: Iterable[pathlib.Path] = TEMPLATE_DIRS) -> list[str]:
    texts = (path.read_text("utf-8") for d in dirs if d.is_dir() for path in sorted(d.rglob("*.html")))
    return sorted("'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
                  for s in _script_sources(texts))


def content_security_policy() -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(inline_script_hashes()),
        "style-src 'self' 'unsafe-inline'",  # style="" attributes in datasette's templates
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


POLICY = content_security_policy()
HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
)


def secure_headers(headers: list[Any]) -> list[Any]:
    """The response's headers with the security headers added (its own ones kept)."""
    out = [(bytes(k), bytes(v)) for k, v in headers]
    names = {k.lower() for k, _v in out}
    for i, (k, v) in enumerate(out):
        if k.lower() == b"content-security-policy" and b"frame-ancestors" not in v:
            out[i] = (k, v + b"; frame-ancestors 'none'")
    if b"content-security-policy" not in names:
        out.append((b"content-security-policy", POLICY.encode()))
    out.extend((k, v) for k, v in HEADERS if k not in names)
    return out


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def with_headers(scope, receive, send):
            if scope.get("type") != "http":
                return await app(scope, receive, send)

            async def wrapped_send(event):
                if event.get("type") == "http.response.start":
                    event = {**event, "headers": secure_headers(event.get("headers") or [])}
                await send(event)

            return await app(scope, receive, wrapped_send)
        return with_headers
    return wrap
