"""What the report tells the administrator to set on the LaaS deployment (its admin-only
``litellm_params``), read from what LaaS answered (``Row.taken``): ``image_formats`` from
the WebP and GIF rows of the default run, ``spread_images``, ``split_pdfs`` and
``image_max_side`` from the rows of ``--probe media``. A row that could not be told gives
no advice."""

from __future__ import annotations

from .model import Row


def _formats(taken: dict[str, bool | None]) -> list[str]:
    advice = []
    for row, fmt, what in (("image_webp", "webp", "WebP"), ("image_gif", "gif", "a still GIF")):
        if taken.get(row):
            advice.append(f"LaaS took {what} as it is: add `{fmt}` to `image_formats` (passing "
                          "it through beats converting it)")  # fmt: skip
        elif taken.get(row) is False:
            advice.append(f"LaaS refused {what}: keep `{fmt}` out of `image_formats` (the "
                          "plugin converts it to JPEG/PNG)")  # fmt: skip
    return advice


def _spread(taken: dict[str, bool | None]) -> list[str]:
    four, spread, users = (taken.get(r) for r in ("images_four", "images_spread",
                                                  "users_consecutive"))  # fmt: skip
    if spread and four is False:
        return ["LaaS took 3+1 images in consecutive user messages and refused 4 in one: "
                "`spread_images: true` is safe"]  # fmt: skip
    if spread:
        return ["LaaS took 3+1 images in consecutive user messages: `spread_images: true` is "
                "safe; it also took 4 in one message, so its per-message limit is not the "
                "documented 3 (the plugin still refuses a 4th without spread_images)"]  # fmt: skip
    if spread is False and users is False:
        return ["LaaS refuses two user messages in a row: keep `spread_images` off"]
    if spread is False:
        return ["LaaS refused 3+1 images in consecutive user messages: it counts images per "
                "request (or merges the messages first): keep `spread_images` off"]  # fmt: skip
    return []


def _pdfs(taken: dict[str, bool | None]) -> list[str]:
    whole, split = taken.get("pdf_21_pages"), taken.get("pdf_split_parts")
    if whole:
        return ["LaaS took a 21-page PDF whole: its page limit is over the documented 20, so "
                "`split_pdfs` is not needed (the plugin still refuses over 20 pages)"]  # fmt: skip
    if whole is False and split:
        return ["LaaS refused a 21-page PDF and took it as a 20-page and a 1-page part in one "
                "message: its 20 pages count per document, so `split_pdfs: true` is safe"]  # fmt: skip
    if whole is False and split is False:
        return ["LaaS refused a 21-page PDF, and its 20-page and 1-page parts in one message: "
                "it counts pages per message or request, so keep `split_pdfs` off"]  # fmt: skip
    return []


def _side(taken: dict[str, bool | None]) -> list[str]:
    big = taken.get("image_5000px")
    if big:
        return ["LaaS took a 5000 px image as it is: `image_max_side` may be raised as far as "
                "5000 (keep the default 1568 unless your model reads more: Claude downsizes "
                "past 1568 px anyway, so more only costs bytes)"]  # fmt: skip
    if big is False:
        return ["LaaS refused a 5000 px image: keep `image_max_side` at 1568 (the default), "
                "well under 5000"]  # fmt: skip
    return []


def advise(rows: list[Row]) -> list[str]:
    taken = {row.id: row.taken for row in rows}
    return [*_formats(taken), *_spread(taken), *_pdfs(taken), *_side(taken)]
