"""The JSON-shape checks the transform and the proxy's request guard both make (pure).

One wording per malformed field: the guard (``proxy/shape.py``, before LiteLLM reads the
request) and the transform (``messages``, ``media/content``, ``params``, ``tools/plan``,
also on the SDK path without a proxy) call these, so a client hears the same 400 either
way. Each refuses through ``errors.refuse`` naming the field and the JSON type it got.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import refuse

# OpenAI chat roles; `developer` and `function` are read as `system` and `tool`.
ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
_ROLE_LIST = ", ".join(sorted(ROLES))
# Content part types the plugin sends to LaaS (docs/multimodal.md): text, images, PDFs.
CHAT_PARTS = ("text", "image_url", "file", "document")


def kind(value: Any) -> str:
    """The JSON name of a value's type, for messages a client can act on."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def is_list(value: Any) -> bool:
    if isinstance(value, list):  # JSON's lists; the ABC check below costs ~10x more
        return True
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


def a_string(value: Any, place: str) -> str:
    if not isinstance(value, str):
        raise refuse(place, f"must be a string, not {kind(value)}")
    return value


def an_object(value: Any, place: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise refuse(place, f"must be an object, not {kind(value)}")
    return value


def a_list(value: Any, place: str, of: str) -> Sequence[Any]:
    if not is_list(value):
        raise refuse(place, f"must be a list of {of}, not {kind(value)}")
    return value


def a_number(value: Any, place: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse(place, f"must be a number, not {kind(value)}")
    return value


def an_integer(value: Any, place: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise refuse(place, f"must be an integer, not {kind(value)}")
    return value


def a_boolean(value: Any, place: str) -> bool:
    if not isinstance(value, bool):
        raise refuse(place, f"must be true or false, not {kind(value)}")
    return value


ONE_CHOICE = "must be 1: LaaS returns one choice; send separate requests for more"


def choices(value: Any, place: str = "n") -> int:
    """``n``: an integer of at least 1. More than 1 is well formed: the transform refuses it
    with these words, or drops it under ``drop_params``, which the request guard cannot see."""
    if an_integer(value, place) < 1:
        raise refuse(place, ONE_CHOICE)
    return value


def strings(value: Any, place: str) -> list[str]:
    """``stop``: a string or a list of strings, as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise refuse(f"{place}[{i}]", f"must be a string, not {kind(item)}")
        return value
    raise refuse(place, f"must be a string or a list of strings, not {kind(value)}")


def schema_object(value: Any, place: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise refuse(place, f"must be a JSON schema object, not {kind(value)}")
    return value


def tool_choice(value: Any) -> None:
    if value is not None and not isinstance(value, str | Mapping):
        raise refuse("tool_choice", f"must be a string or an object, not {kind(value)}")


# --- messages ------------------------------------------------------------------------------


def messages(value: Any) -> Sequence[Any]:
    if value is None:
        raise refuse("messages", "is required: a list of message objects")
    return a_list(value, "messages", "message objects")


def message(value: Any, place: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise refuse(
            place, f"must be a message object with `role` and `content`, not {kind(value)}"
        )
    return value


def role(message: Mapping[str, Any], place: str) -> str:
    value = message.get("role")
    if value is None:
        raise refuse(f"{place}.role", "is required")
    a_string(value, f"{place}.role")
    if value not in ROLES:
        raise refuse(f"{place}.role", f"unknown role {value[:40]!r}; expected one of {_ROLE_LIST}")
    return value


def calls_tools(message: Mapping[str, Any]) -> bool:
    """An assistant turn that calls tools (``tool_calls``, or the legacy ``function_call``)."""
    return bool(message.get("tool_calls") or message.get("function_call"))


def content_of(message: Mapping[str, Any], role: str, place: str) -> str | Sequence[Any] | None:
    """A message's content: null (or absent) only where nothing need be said — an assistant
    turn that calls tools, and a tool's or function's result (an empty result); else
    ``content``'s rule."""
    value = message.get("content")
    if value is None and (
        role in ("tool", "function") or (role == "assistant" and calls_tools(message))
    ):
        return None
    return content(value, place)


def content(value: Any, place: str) -> str | Sequence[Any]:
    """A message's content: a string or a list of parts (null is the caller's decision)."""
    if value is None:
        raise refuse(place, "is required: a string or a list of content parts")
    if isinstance(value, str) or is_list(value):
        return value
    raise refuse(place, f"must be a string or a list of content parts, not {kind(value)}")


def tool_call_id(message: Mapping[str, Any], place: str) -> str:
    value = message.get("tool_call_id")
    if not isinstance(value, str):
        raise refuse(
            f"{place}.tool_call_id",
            f"must be the id of the tool call this answers (a string), not {kind(value)}",
        )
    return value


def part(value: Any, place: str, known: tuple[str, ...] = CHAT_PARTS) -> Mapping[str, Any]:
    """A content part: an object whose ``type`` is a string among ``known``."""
    if not isinstance(value, Mapping):
        raise refuse(place, f"must be a content part object with a `type`, not {kind(value)}")
    type_ = value.get("type")
    if type_ is None:
        raise refuse(f"{place}.type", 'is required (e.g. "text", "image_url", "file")')
    part_type(a_string(type_, f"{place}.type"), known, f"{place}.type")
    return value


def part_type(type_: str, known: tuple[str, ...], place: str, what: str = "content part") -> None:
    """Refuse a part (or input item) type the plugin cannot send, naming it and the types it
    can."""
    if type_ not in known:
        shown = type_ if len(type_) <= 40 else type_[:40] + "…"
        raise refuse(place, f"unsupported {what} type {shown!r}; LaaS takes {_listed(known)}")


def _listed(names: tuple[str, ...]) -> str:
    quoted = [f'"{n}"' for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def image_url(value: Mapping[str, Any], place: str) -> str:
    """An ``image_url`` part's URL: ``image_url`` a string, or an object with a string ``url``."""
    image = value.get("image_url")
    if isinstance(image, Mapping):
        return a_string(image.get("url"), f"{place}.image_url.url")
    if not isinstance(image, str):
        raise refuse(
            f"{place}.image_url", f"must be an object with a `url` string, not {kind(image)}"
        )
    return image


def arguments(value: Any, place: str) -> Any:
    """A tool call's ``arguments``: JSON text as OpenAI sends it (text that is not JSON is
    kept as written), an object (its arguments, unambiguous), or absent (none)."""
    if value is None or isinstance(value, str | Mapping):
        return value
    raise refuse(place, f"must be a string of JSON or an object, not {kind(value)}")


def function(value: Any, place: str) -> Mapping[str, Any]:
    """A tool call's (or a legacy ``function_call``'s) ``function``: an object with a name."""
    value = an_object(value, place)
    a_string(value.get("name"), f"{place}.name")
    return value
