"""Media work too heavy for the event loop: the transform describes it (``Pending``), a media
worker process does it (``laas_provider.media.worker``; the pool, the deadline and the cache
are ``laas_provider.adapt``'s).

Pure: no I/O. A ``Pending`` stands in a message's content list where its parts will go;
``resolve`` puts them there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ... import limits

IMAGE, SPLIT = "image", "split"


@dataclass(frozen=True)
class Options:
    """What a deployment says about media (its ``image_*``, ``spread_images``, ``split_pdfs``)."""

    max_side: int = limits.IMAGE_ADVISED_SIDE
    formats: frozenset[str] = frozenset(limits.IMAGE_TYPES)  # taken by LaaS as they are
    spread_images: bool = False
    split_pdfs: bool = False
    # What the transform changed in place (a text file inlined, images spread), for the
    # caller's log; one list per request (None: not collected).
    notes: list[str] | None = field(default=None, compare=False)

    def note(self, change: str) -> None:
        if self.notes is not None:
            self.notes.append(change)


DEFAULT = Options()
FORMATS = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
           "gif": "image/gif"}  # fmt: skip


def options(
    max_side: Any = None, formats: Any = None, spread_images: bool = False, split_pdfs: bool = False
) -> Options:
    """A deployment's media keys, checked: ValueError naming the key if one is not valid."""
    side = limits.IMAGE_ADVISED_SIDE if max_side in (None, "") else max_side
    try:
        side = int(side)
    except (TypeError, ValueError):
        side = 0
    if not 16 <= side <= limits.IMAGE_SIDE_CAP:
        raise ValueError(f"image_max_side: a number of px from 16 to {limits.IMAGE_SIDE_CAP}")
    names = formats.split(",") if isinstance(formats, str) else formats or ()
    if not isinstance(names, list | tuple):
        raise ValueError("image_formats: a list of jpeg, png, webp, gif")
    taken = set(limits.IMAGE_TYPES)  # LaaS's documented formats are always taken
    for name in names:
        mime = FORMATS.get(str(name).strip().lower())
        if mime is None:
            raise ValueError("image_formats: a list of jpeg, png, webp, gif")
        taken.add(mime)
    return Options(side, frozenset(taken), spread_images, split_pdfs, notes=[])


@dataclass(eq=False)
class Pending:
    """A part to adapt in a worker: an image LaaS cannot take as it is, a PDF to split.

    ``job()`` is what the worker is told (``laas_provider.media.worker`` reads it).
    """

    place: str
    url: str = field(repr=False)  # the client's data URL, never copied
    start: int  # where its base64 payload starts
    why: str  # what LaaS cannot take: "WebP", "6.7 MB", "5000 px"
    kind: str = IMAGE
    max_side: int = limits.IMAGE_ADVISED_SIDE
    pages: int = 0  # a PDF's page count, known before the worker runs
    name: str | None = None  # a PDF's file name, for its parts' labels

    def key(self) -> tuple[Any, ...]:
        """What the result depends on, apart from the payload (``adapt``'s cache key)."""
        return (self.kind, self.max_side, self.name)

    def job(self) -> dict[str, Any]:
        return {"kind": self.kind, "max_side": self.max_side, "name": self.name,
                "pages": self.pages}  # fmt: skip


@dataclass(frozen=True)
class Done:
    """A Pending's result: the parts that replace it, and what was changed (for the log)."""

    parts: tuple[dict[str, Any], ...]
    change: str  # "WebP 1920x1080 632 KB -> JPEG 1568x882 325 KB"
    size: int = field(default=0)  # characters the parts hold (the cache's bound)
    cpu_ms: float = 0.0  # the worker's CPU time for it


def pending_in(messages: list[dict[str, Any]]) -> list[Pending]:
    """The Pendings a built body's messages hold, in order."""
    return [p for m in messages for p in m["content"] if isinstance(p, Pending)]


def resolve(messages: list[dict[str, Any]], done: Callable[[Pending], Done]) -> None:
    """Each Pending replaced by its parts, in place (``done`` gives a Pending's result)."""
    for message in messages:
        content = message["content"]
        if any(isinstance(p, Pending) for p in content):
            message["content"] = list(_expanded(content, done))


def _expanded(content: list[Any], done: Callable[[Pending], Done]) -> Iterator[dict[str, Any]]:
    for part in content:
        if isinstance(part, Pending):
            yield from (dict(p) for p in done(part).parts)
        else:
            yield part
