"""A PDF over 20 pages as labelled parts of at most 20 pages (``split_pdfs``), in a media worker.

Each part carries only its own pages' resources (``prune``: pages sharing one /Resources
dictionary would make each part as big as the whole). Parts are written with a deterministic
/ID, no timestamps and their streams as they are, so the same input gives the same bytes; a
memory cap bounds the whole job (qpdf's limits, set in ``prune``, bound each stream).
"""

from __future__ import annotations

import binascii
import contextlib
import io
import resource
import warnings
from collections.abc import Iterator
from typing import Any

import pikepdf

from .. import limits
from . import prune

PAGES = limits.PDF_MAX_PAGES  # per part
MEMORY = 1024 * limits.MB  # the most a split may add to the worker (350 MB: worst measured)


class SplitError(ValueError):
    """Why a PDF cannot be split: the text of the client's 400 (the worker says it)."""


def run(data: bytes, header: dict[str, Any]) -> tuple[dict[str, Any], bytearray]:
    """Each part as a label and a document, and the documents' base64, concatenated."""
    name, parts, sizes, payload = _name(header.get("name")), [], [], bytearray()
    with _memory_capped(), _opened(data) as source:
        total, kept = len(source.pages), prune.prune(source)
        ranges = [(a + 1, min(a + PAGES, total)) for a in range(0, total, PAGES)]
        for i, (first, last) in enumerate(ranges, 1):
            pdf = _part(source, first, last, i)
            encoded = binascii.b2a_base64(pdf, newline=False)
            payload += encoded
            sizes.append(f"{len(pdf) / limits.MB:.1f}")
            parts.append({"type": "text", "text": label(name, i, len(ranges), first, last, total)})
            parts.append({"type": "document", "mime": "application/pdf", "size": len(encoded)})
    change = (f"PDF {total} pages {len(data) / limits.MB:.1f} MB -> {len(ranges)} parts of "
              f"{', '.join(str(b - a + 1) for a, b in ranges)} pages ({', '.join(sizes)} MB)")  # fmt: skip
    if kept:
        change += f"; {kept} pages not pruned (budget spent, or content unread)"
    return {"change": change, "parts": parts}, payload


def label(name: str, part: int, parts: int, first: int, last: int, total: int) -> str:
    """``report.pdf, part 2 of 3 (pages 21-40 of 45):`` (page numbers of the whole PDF)."""
    pages = f"page {first}" if first == last else f"pages {first}-{last}"
    return f"{name}, part {part} of {parts} ({pages} of {total}):"


def _name(name: Any) -> str:
    # A client's file name goes into the prompt: on one line, and short.
    shown = " ".join(name.split())[:120] if isinstance(name, str) else ""
    return shown or "PDF"


@contextlib.contextmanager
def _opened(data: bytes) -> Iterator[pikepdf.Pdf]:
    try:
        source = pikepdf.open(io.BytesIO(data))  # the empty user password is tried
    except pikepdf.PasswordError:
        raise SplitError("the PDF is encrypted with a password; send it without one") from None
    with source:
        if len(source.pages) > limits.PDF_SPLIT_MAX_PAGES:  # the transform counted fewer
            raise SplitError(f"PDF has {len(source.pages)} pages; split_pdfs sends at most "
                             f"{limits.PDF_SPLIT_MAX_PAGES} pages")  # fmt: skip
        yield source


@contextlib.contextmanager
def _memory_capped() -> Iterator[None]:
    """RLIMIT_DATA at what the worker holds plus MEMORY during a split: a PDF whose objects
    would take more (KBs of object streams can inflate to GBs) is a 400, not an OOM kill."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    with open("/proc/self/status", "rb") as status:  # VmData is what RLIMIT_DATA counts
        held = next(int(line.split()[1]) * 1024 for line in status if line.startswith(b"VmData"))
    cap = held + MEMORY if hard == resource.RLIM_INFINITY else min(held + MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    except MemoryError:
        raise SplitError(f"splitting the PDF would take more than {MEMORY // limits.MB} MB "
                         "of memory") from None  # fmt: skip
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _part(source: pikepdf.Pdf, first: int, last: int, number: int) -> bytes:
    part, out = pikepdf.new(), io.BytesIO()
    with warnings.catch_warnings():  # else on the proxy's stderr: named destinations are lost
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        part.pages.extend(source.pages[first - 1 : last])  # qpdf copies nothing across pages
        # Streams as they are: not decoded, not compressed (qpdf would inflate LZW for that).
        part.save(out, deterministic_id=True, min_version=source.pdf_version,
                  compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                  stream_decode_level=pikepdf.StreamDecodeLevel.none)  # fmt: skip
    if out.tell() > limits.PDF_MAX_BYTES:
        raise SplitError(f"part {number} of the PDF (pages {first}-{last}) would be "
                         f"{out.tell() / limits.MB:.1f} MB; LaaS accepts at most "
                         f"{limits.PDF_MAX_BYTES // limits.MB} MB per PDF")  # fmt: skip
    return out.getvalue()
