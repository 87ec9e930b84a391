"""Each page's unused fonts and XObjects dropped before a PDF is split (``split``).

Pages that share one /Resources dictionary would make each part as big as the whole (pypdf
issue 3011); qpdf's ``remove_unreferenced_resources`` drops what a page's content does not
name. It parses that content and every form XObject the resources reach (15-30 MB/s, each
page on its own), so what it may parse is budgeted in decoded bytes, counted before qpdf
reads any: pages past the budget keep their resources (a bigger part, never a broken one).
The budget is bytes, not seconds, so the same input is pruned the same way on any machine.
"""

from __future__ import annotations

from typing import Any

import pikepdf
from pikepdf import Name, settings

from .. import limits

STREAM_MAX = 16 * limits.MB  # decoded bytes of one stream: past it qpdf stops decoding it
BUDGET = 32 * limits.MB  # content bytes qpdf may parse, for the whole PDF (~2 s at worst)
ENTRY = 256  # budget charged per resource entry walked (a dictionary of 1M names is cheap)
# Filters whose output qpdf bounds (Flate by STREAM_MAX) or that cannot grow much (ASCII);
# a page that reaches any other (LZW: no bound) is not pruned, so its streams are never decoded.
BOUNDED = {Name.FlateDecode, Name.Fl, Name.ASCIIHexDecode, Name.AHx, Name.ASCII85Decode, Name.A85}

settings.set_qpdf_limits(
    flate_max_memory=STREAM_MAX, run_length_max_memory=STREAM_MAX, png_max_memory=STREAM_MAX,
    tiff_max_memory=STREAM_MAX, max_stream_filters=4,
)  # fmt: skip


def prune(source: pikepdf.Pdf) -> int:
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
            bounded = all(isinstance(f, Name) and f in BOUNDED for f in names)
            sizes[stream.objgen] = len(stream.read_bytes()) if bounded else -1
        except (pikepdf.PdfError, RuntimeError):  # past STREAM_MAX, or broken
            sizes[stream.objgen] = -1
    return sizes[stream.objgen]
