"""Anthropic ``document`` blocks whose source is text, inlined before LiteLLM reads them.

LiteLLM's /v1/messages adapter turns a document block into an image part by its ``source``
and drops one whose source is ``text`` or ``content`` without a word (1.106-1.110): the model
would answer about a file it never saw. The request guard calls ``inline`` first, so such a
document becomes a text block carrying its title, as a text file in any other shape does
(``transform.media.text``); a ``content`` source's own blocks take its place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import limits
from ..errors import refuse
from ..transform.media.text import as_document, check_size


def inline(data: dict[str, Any]) -> list[str]:
    """Rewrite ``data["messages"]`` in place; what was inlined, for the log (place and size)."""
    changed: list[str] = []
    messages = data.get("messages")
    if not isinstance(messages, list):
        return changed
    for i, message in enumerate(messages):
        content = message.get("content") if isinstance(message, Mapping) else None
        if not isinstance(content, list) or not any(_inlinable(b) for b in content):
            continue
        blocks: list[Any] = []
        for j, block in enumerate(content):
            if not _inlinable(block):
                blocks.append(block)
                continue
            place = f"messages[{i}].content[{j}]"
            source = block["source"]
            if source["type"] == "content":
                blocks += _content_blocks(source.get("content"), place)
                changed.append(f"{place}: a content document, its blocks inlined")
                continue
            text = source.get("data")
            if not isinstance(text, str):
                raise refuse(f"{place}.source.data", "must be the document's text, a string")
            # Characters are at most its UTF-8 bytes: a text far over the cap is not encoded.
            limit = limits.TEXT_FILE_MAX_BYTES
            size = len(text.encode("utf-8")) if len(text) <= limit else len(text)
            check_size(size, place)
            title = block.get("title") if isinstance(block.get("title"), str) else None
            blocks.append({"type": "text", "text": as_document(text, title or "text/plain")})
            changed.append(f"{place}: text document {title or ''} {size:,} bytes inlined")
        message["content"] = blocks
    return changed


def _inlinable(block: Any) -> bool:
    source = block.get("source") if isinstance(block, Mapping) else None
    return (
        block.get("type") == "document"
        and isinstance(source, Mapping)
        and source.get("type") in ("text", "content")
    )


def _content_blocks(blocks: Any, place: str) -> list[Any]:
    if isinstance(blocks, str):
        return [{"type": "text", "text": blocks}]
    if not isinstance(blocks, list):
        raise refuse(f"{place}.source.content", "must be a list of text and image blocks")
    return list(blocks)
