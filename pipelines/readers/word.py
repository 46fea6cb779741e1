"""DOC / WPS attachments (Word-compatible WPS files): LibreOffice (headless, → DOCX)
when installed, else antiword (DocBook output; merged columns are rebuilt from column
widths, the rows under a vertically merged cell stay blank). Each converter runs in its
own process group with a time limit, killed whole if it hangs."""
from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
from typing import Any, Optional

from ..document import Block, Document, Table, clean
from ..errors import UnreadableInput
from . import docx
from .base import WPS, _cluster, _nearest, join_wrapped

DOC_READER_ENV = "XXGK_DOC_READER"              # auto (LibreOffice, else antiword) | libreoffice | antiword
TOOL_TIMEOUT = 120                              # seconds for one external conversion


def _word_encrypted(data: bytes) -> bool:
    """fEncrypted of the Word FIB (bit 0x0100 of the flags at offset 10)."""
    from xlrd.compdoc import CompDoc  # noqa: PLC0415

    try:
        stream = CompDoc(data, logfile=io.StringIO()).get_named_stream("WordDocument")
    except Exception:
        return False
    return bool(stream) and len(stream) > 11 and bool(stream[11] & 0x01)


def doc_readers() -> list[str]:
    """The DOC/WPS readers to try, in order (XXGK_DOC_READER: auto, libreoffice, antiword)."""
    wanted = os.environ.get(DOC_READER_ENV, "auto").strip().lower() or "auto"
    order = {"libreoffice": ["libreoffice"], "antiword": ["antiword"]}.get(wanted, ["libreoffice", "antiword"])
    found = {"libreoffice": _soffice(), "antiword": shutil.which("antiword")}
    return [name for name in order if found[name]]


def _soffice() -> Optional[str]:
    return shutil.which("soffice") or shutil.which("libreoffice")


def read(data: bytes, kind: str) -> Document:
    if _word_encrypted(data):
        raise UnreadableInput(f"{kind} is encrypted (password-protected): cannot read it")
    readers = doc_readers()
    if not readers:
        prefix = "WPS is not readable: " if kind == WPS else f"{kind} is not readable: "
        raise UnreadableInput(prefix + "no DOC reader installed (apt-get install libreoffice-writer-nogui or antiword)")
    failures = []
    for name in readers:
        try:
            return _doc_via_libreoffice(data) if name == "libreoffice" else _doc_via_antiword(data)
        except UnreadableInput as exc:
            failures.append(f"{name}: {exc}")
    prefix = "WPS is not readable: " if kind == WPS else f"{kind} could not be read: "
    raise UnreadableInput(prefix + "; ".join(failures))


def _run(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    """Run a converter in its own process group, killed whole if it hangs."""
    proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise UnreadableInput(f"{os.path.basename(args[0])} took longer than {TOOL_TIMEOUT} s") from None
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def _doc_via_libreoffice(data: bytes) -> Document:
    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = os.path.join(tmp, "input.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        profile = "file://" + os.path.join(tmp, "profile")  # own profile: parallel conversions
        result = _run([_soffice() or "soffice", f"-env:UserInstallation={profile}", "--headless", "--norestore",
                       "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp, src], cwd=tmp)
        out = os.path.join(tmp, "input.docx")
        if not os.path.exists(out):
            message = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
            raise UnreadableInput(f"LibreOffice could not convert it ({message[-1] if message else 'no output'})")
        with open(out, "rb") as fh:
            return docx.read(fh.read())


def _doc_via_antiword(data: bytes) -> Document:
    from lxml import etree  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="xxgk-doc-") as tmp:
        src = os.path.join(tmp, "input.doc")
        with open(src, "wb") as fh:
            fh.write(data)
        result = _run(["antiword", "-m", "UTF-8.txt", "-x", "db", src], cwd=tmp)
    if result.returncode != 0 or not result.stdout.strip():
        message = result.stderr.decode("utf-8", "replace").replace(src, "").strip().splitlines()
        raise UnreadableInput(f"antiword: {message[-1] if message else 'no output'}")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(result.stdout, parser)
    if root is None:
        raise UnreadableInput("antiword gave no readable output")
    blocks: list[Block] = []

    def walk(el: Any) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "informaltable" or child.tag == "table":
                grid = _docbook_grid(child)
                if grid:
                    blocks.append(Table(grid))
            elif child.tag in ("para", "title", "simpara") and child.find(".//informaltable") is None:
                for line in "".join(child.itertext()).splitlines():
                    if clean(line):
                        blocks.append(clean(line))
            elif child.tag not in ("bookinfo",):
                walk(child)

    walk(root)
    return Document(blocks=blocks)


def _docbook_grid(table: Any) -> list[list[str]]:
    """antiword writes each run of rows with the same cell widths as a <tgroup>; merged
    columns show as one wide cell, so slots come from the cumulative column widths."""
    groups = []
    for tgroup in table.iter("tgroup"):
        widths = [float(re.sub(r"[^\d.]", "", spec.get("colwidth", "0")) or 0) for spec in tgroup.iter("colspec")]
        rows = [[join_wrapped("".join(entry.itertext()).splitlines()) for entry in row.iter("entry")]
                for row in tgroup.iter("row")]
        groups.append((widths, rows))
    if any(not widths or not sum(widths) for widths, _rows in groups):  # no widths: cells by position
        width = max((len(row) for _w, rows in groups for row in rows), default=0)
        return [row + [""] * (width - len(row)) for _w, rows in groups for row in rows if any(row)]
    edges = _cluster([sum(w[:i]) for w, _r in groups for i in range(len(w) + 1)], tolerance=3.0)
    grid: list[list[str]] = []
    for widths, rows in groups:
        bounds = [sum(widths[:i]) for i in range(len(widths) + 1)]
        for row in rows:
            out = [""] * max(len(edges) - 1, 1)
            for i, text in enumerate(row):
                if i + 1 >= len(bounds):
                    break
                c0, c1 = _nearest(edges, bounds[i]), _nearest(edges, bounds[i + 1])
                for c in range(c0, max(c1, c0 + 1)):
                    if c < len(out):
                        out[c] = text
            grid.append(out)
    return [row for row in grid if any(row)]
