"""A PDF over 20 pages as labelled parts of at most 20 pages (``split_pdfs``), in a media worker.

Pages that share one /Resources dictionary would make every part as big as the whole (pypdf
issue 3011), so qpdf drops the fonts and XObjects a page's content does not name. That parses
the content (15-30 MB/s), every form XObject the resources reach included, so what it may
parse is budgeted in decoded bytes, counted before qpdf reads any: pages past the budget keep
their resources whole (a bigger part, never a broken one). qpdf's own limits bound each
decoded stream, and a memory cap the whole job. The same input gives the same bytes.
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
from pikepdf import Name, settings

from .. import limits

PAGES = limits.PDF_MAX_PAGES  # per part
STREAM_MAX = 16 * limits.MB  # decoded bytes of one stream: past it qpdf stops decoding it
BUDGET = 32 * limits.MB  # content bytes qpdf may parse to prune, for the whole PDF (~2 s)
ENTRY = 256  # budget charged per resource entry walked (a dictionary of 1M names is cheap)
MEMORY = 1024 * limits.MB  # the most a split may add to the worker (~600 MB at worst legit)
# Filters whose output qpdf bounds (Flate by STREAM_MAX) or that cannot grow much (ASCII);
# a page that reaches any other (LZW: no bound) is not pruned, so its streams are never decoded.
BOUNDED = {Name.FlateDecode, Name.Fl, Name.ASCIIHexDecode, Name.AHx, Name.ASCII85Decode, Name.A85}

settings.set_qpdf_limits(
    flate_max_memory=STREAM_MAX, run_length_max_memory=STREAM_MAX, png_max_memory=STREAM_MAX,
    tiff_max_memory=STREAM_MAX, max_stream_filters=4,
)  # fmt: skip


class SplitError(ValueError):
    """Why a PDF cannot be split: the text of the client's 400 (the worker says it)."""


def run(data: bytes, header: dict[str, Any]) -> tuple[dict[str, Any], bytearray]:
    """Each part as a label and a document, and the documents' base64, concatenated."""
    name, parts, sizes, payload = _name(header.get("name")), [], [], bytearray()
    with _memory_capped(), _opened(data) as source:
        total = len(source.pages)
        if total > limits.PDF_SPLIT_MAX_PAGES:
            raise SplitError(f"PDF has {total} pages; split_pdfs sends at most "
                             f"{limits.PDF_SPLIT_MAX_PAGES} pages")  # fmt: skip
        kept = _prune(source)
        ranges = [(a + 1, min(a + PAGES, total)) for a in range(0, total, PAGES)]
        for i, (first, last) in enumerate(ranges, 1):
            pdf = _part(source, first - 1, last)
            if len(pdf) > limits.PDF_MAX_BYTES:
                raise SplitError(f"part {i} of the PDF (pages {first}-{last}) would be "
                                 f"{len(pdf) / limits.MB:.1f} MB; LaaS accepts at most "
                                 f"{limits.PDF_MAX_BYTES // limits.MB} MB per PDF")  # fmt: skip
            encoded = binascii.b2a_base64(pdf, newline=False)
            payload += encoded
            sizes.append(f"{len(pdf) / limits.MB:.1f}")
            parts.append({"type": "text", "text": label(name, i, len(ranges), first, last, total)})
            parts.append({"type": "document", "mime": "application/pdf", "size": len(encoded)})
    change = (f"PDF {total} pages {len(data) / limits.MB:.1f} MB -> {len(ranges)} parts of "
              f"{', '.join(str(b - a + 1) for a, b in ranges)} pages ({', '.join(sizes)} MB)")  # fmt: skip
    if kept:
        change += f"; resources of {kept} pages kept whole (pruning budget)"
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
        yield source


@contextlib.contextmanager
def _memory_capped() -> Iterator[None]:
    """RLIMIT_DATA at what the worker holds plus MEMORY, for this job: a PDF whose objects
    would take more (a few KB of object streams can inflate to GBs) is a 400, not an OOM."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    with open("/proc/self/status", "rb") as status:  # VmData: what RLIMIT_DATA counts
        held = next(int(line.split()[1]) * 1024 for line in status if line.startswith(b"VmData"))
    cap = held + MEMORY if hard == resource.RLIM_INFINITY else min(held + MEMORY, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    try:
        yield
    except MemoryError:
        raise SplitError(f"splitting the PDF would take more than "
                         f"{MEMORY // limits.MB} MB of memory") from None  # fmt: skip
    finally:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def _part(source: pikepdf.Pdf, start: int, stop: int) -> bytes:
    part, out = pikepdf.new(), io.BytesIO()
    with warnings.catch_warnings():  # else on the proxy's stderr: named destinations are lost
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        part.pages.extend(source.pages[start:stop])  # qpdf copies no object across pages
        # Streams as they are: not decoded, not compressed (qpdf would inflate LZW for that).
        part.save(out, deterministic_id=True, min_version=source.pdf_version,
                  compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.generate,
                  stream_decode_level=pikepdf.StreamDecodeLevel.none)  # fmt: skip
    return out.getvalue()


def _prune(source: pikepdf.Pdf) -> int:
    """Pages' unused fonts and XObjects dropped, in page order while the budget lasts; how
    many pages were left as they are."""
    left, sizes, pruned = BUDGET, {}, 0
    for page in source.pages:
        cost, readable = _cost(page, sizes)
        if cost > left:
            break
        left -= cost
        if readable:
            page.remove_unreferenced_resources()
            pruned += 1
    return len(source.pages) - pruned


def _cost(page: pikepdf.Page, sizes: dict[Any, int]) -> tuple[int, bool]:
    """What pruning a page costs (qpdf parses its content and every form XObject its
    resources reach: the walk below is qpdf's), and whether all of those can be read."""
    contents = page.obj.get(Name.Contents)
    streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
    cost, seen, queue = ENTRY * len(streams), set(), [page.obj.get(Name.Resources)]
    while queue and cost <= BUDGET:
        resources = queue.pop()
        for kind in (Name.Font, Name.XObject) if isinstance(resources, pikepdf.Dictionary) else ():
            entries = resources.get(kind)
            if isinstance(entries, pikepdf.Dictionary):
                cost += ENTRY * len(entries)
                for item in entries.values() if kind == Name.XObject and cost <= BUDGET else ():
                    if _is_form(item) and item.objgen not in seen:
                        seen.add(item.objgen)
                        streams.append(item)
                        queue.append(item.get(Name.Resources))
    readable = True
    for stream in streams:
        if cost > BUDGET:
            break
        size = _size(stream, sizes) if isinstance(stream, pikepdf.Stream) else 0
        readable &= size >= 0
        cost += STREAM_MAX if size < 0 else size
    return cost, readable


def _is_form(item: Any) -> bool:
    return isinstance(item, pikepdf.Stream) and item.get(Name.Subtype) == Name.Form


def _size(stream: pikepdf.Stream, sizes: dict[Any, int]) -> int:
    """A stream's decoded size (decoded once), or -1 if it cannot be read within the limits or
    no limit bounds its decoding (then it is never decoded, and its pages never pruned)."""
    if stream.objgen not in sizes:
        filters = stream.get(Name.Filter)
        names = list(filters) if isinstance(filters, pikepdf.Array) else [filters] * bool(filters)
        try:
            bounded = all(f in BOUNDED for f in names)
            sizes[stream.objgen] = len(stream.read_bytes()) if bounded else -1
        except (pikepdf.PdfError, RuntimeError):  # past STREAM_MAX, or broken
            sizes[stream.objgen] = -1
    return sizes[stream.objgen]
