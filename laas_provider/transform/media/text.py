"""Text files (Markdown, CSV, JSON, source code, ...) inlined as a text part (pure).

LaaS takes no text files, but a model reads text: the file becomes a text part that carries
its name, in the form Anthropic's long-context guide uses for documents. Strict UTF-8 only,
and at most ``limits.TEXT_FILE_MAX_BYTES`` per file (docs/multimodal.md).
"""

from __future__ import annotations

import binascii
import posixpath
from typing import Any

from ... import limits
from ...errors import refuse

# application/* types that are text; every text/* type is, and so is any */*+json or */*+xml.
APPLICATION_TEXT = frozenset(
    {"json", "xml", "yaml", "x-yaml", "toml", "x-toml", "javascript", "x-javascript",
     "typescript", "x-typescript", "x-python", "x-python-code", "x-sh", "x-shellscript",
     "sql", "x-sql", "graphql", "x-httpd-php", "x-ruby", "x-perl", "ld+json", "x-ndjson",
     "ndjson", "jsonl", "x-jsonlines", "csv", "x-csv", "x-tex", "x-latex", "rtf"}
)  # fmt: skip
# Extensions that mark a text file sent with no type, or as application/octet-stream.
EXTENSIONS = frozenset(
    {"txt", "md", "markdown", "rst", "csv", "tsv", "json", "jsonl", "ndjson", "yaml", "yml",
     "toml", "ini", "cfg", "conf", "xml", "html", "htm", "css", "js", "mjs", "cjs", "ts", "tsx",
     "jsx", "py", "pyi", "rb", "go", "rs", "java", "kt", "kts", "scala", "c", "h", "cc", "cpp",
     "hpp", "cs", "swift", "m", "php", "pl", "sh", "bash", "zsh", "ps1", "sql", "graphql", "r",
     "lua", "dart", "ex", "exs", "erl", "hs", "ml", "vue", "svelte", "tex", "log", "diff",
     "patch", "env", "properties", "gradle", "dockerfile", "makefile"}
)  # fmt: skip


def is_text_type(mime: str) -> bool:
    kind, _, sub = mime.partition("/")
    return kind == "text" or (
        kind == "application" and (sub in APPLICATION_TEXT or sub.endswith(("+json", "+xml")))
    )


def has_text_name(name: str | None) -> bool:
    if not name:
        return False
    base = posixpath.basename(name.replace("\\", "/")).lower()
    return base.rpartition(".")[2] in EXTENSIONS or base in EXTENSIONS


def check_size(size: int, place: str) -> None:
    """Refuse a text file of ``size`` bytes over the cap, naming its size and the cap."""
    if size > limits.TEXT_FILE_MAX_BYTES:
        shown = f"{size / limits.MB:.1f} MB" if size >= limits.MB / 10 else f"{size:,} bytes"
        raise refuse(
            place,
            f"text file is {shown}; the plugin inlines text files of at most "
            f"{limits.TEXT_FILE_MAX_BYTES // limits.MB} MB",
        )


def text_part(
    payload: str, start: int, size: int, mime: str, name: str | None, place: str
) -> dict[str, Any]:
    """The file ``payload[start:]`` (base64 of ``size`` bytes) as one text part."""
    check_size(size, place)
    try:  # at most 1.4 MB of base64: about a millisecond, so done in place
        raw = binascii.a2b_base64(payload[start:].encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise refuse(place, "invalid base64 in the data URL") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refuse(
            place, f"text file is not UTF-8 (byte {exc.start}); send text files as UTF-8"
        ) from None
    return {"type": "text", "text": as_document(text.removeprefix("\ufeff"), name or mime)}


def as_document(text: str, source: str) -> str:
    """A file's text wrapped with its name, as Anthropic's guide puts documents in a prompt."""
    return (
        f"<document>\n<source>{source}</source>\n<document_content>\n{text}\n"
        "</document_content>\n</document>"
    )
