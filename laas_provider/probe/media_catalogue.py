"""The opt-in media probes (``laas-check --probe media``): do LaaS's image and PDF limits count
per message or per request, per document or per request, and does it take big images and
consecutive user messages? Each row settles an adaptation key of the deployment
(``spread_images``, ``split_pdfs``, ``image_max_side``; advice.py says which to set). They
spend real tokens (a 21-page PDF is tens of thousands), so the default run leaves them out.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import media as probe_media
from .catalogue import chat_probe, image_message, user
from .judges import expect_accepted, expect_refused, judge_image
from .model import AGREE, Check, Judge, Outcome, Probe
from .plugin import fixed

BIG = (5000, 2500)  # px: over the plugin's default image_max_side (1568), under Claude's 8000
LONG_PDF = 21  # pages: one over LaaS's documented 20
HOW_MANY = "How many images do you see in all? One number."
CODE_WORD_QUESTION = "What is the code word in the document? One word."


def noting(judge: Judge, word: str, note: str) -> Judge:
    """``judge``, adding ``note`` when the agreed answer holds ``word`` (what the model saw)."""

    def judged(o: Outcome) -> tuple[str, str]:
        verdict, observed = judge(o)
        if verdict == AGREE and word in o.content.lower():
            observed += f" ({note})"
        return verdict, observed

    return judged


def images(url: str, count: int) -> list[dict[str, Any]]:
    return [{"type": "image_url", "image_url": {"url": url}} for _ in range(count)]


def document(url: str) -> dict[str, Any]:
    return {"type": "document", "document_url": {"url": url}}


def build_media_probes() -> list[Probe]:
    """The ordered media probes: the cheap text-only one first (a bad key stops the run
    there), the PDFs last, the split one sent only if LaaS refused the whole PDF."""
    red = probe_media.data_url("image/png", probe_media.png())
    big = probe_media.data_url("image/png", probe_media.png_large(*BIG))
    whole = probe_media.data_url("application/pdf", probe_media.pdf(LONG_PDF))
    head = probe_media.data_url("application/pdf", probe_media.pdf(20, 1, LONG_PDF))
    tail = probe_media.data_url("application/pdf", probe_media.pdf(1, LONG_PDF, LONG_PDF))
    two_users = [
        {"role": "user", "content": [{"type": "text", "text": "Remember the word: kiwi."}]},
        {"role": "user", "content": [{"type": "text", "text": "Which word? One word."}]},
    ]
    four = user([{"type": "text", "text": HOW_MANY}, *images(red, 4)])
    # What `spread_images: true` sends for that message: the 4th image in a next user message.
    spread = [user([{"type": "text", "text": HOW_MANY}, *images(red, 3)])[0],
              user(images(red, 1))[0]]  # fmt: skip
    # What `split_pdfs: true` sends for the 21-page PDF: labelled parts in the same message.
    split = user([
        {"type": "text", "text": CODE_WORD_QUESTION},
        {"type": "text", "text": f"doc.pdf, part 1 of 2 (pages 1-20 of {LONG_PDF}):"},
        document(head),
        {"type": "text", "text": f"doc.pdf, part 2 of 2 (page {LONG_PDF} of {LONG_PDF}):"},
        document(tail),
    ])  # fmt: skip
    saw_all = "the model read the last page"
    probes = [
        chat_probe("users_consecutive", two_users, (
            Check("users_consecutive", "consecutive user messages",
                  "two user messages in a row are accepted (merged, as Anthropic does)",
                  noting(expect_accepted, "kiwi", "the model saw both"),
                  fixed("sends a client's consecutive user messages as they are; "
                        "`spread_images: true` makes more of them")),), max_tokens=16),
        chat_probe("images_four", four, (
            Check("images_four", "images per message", "4 images in one message are refused",
                  expect_refused,
                  fixed("refuses a 4th image in one message with a 400 before any call, "
                        "unless `spread_images: true` (then it goes into a next user "
                        "message)")),), max_tokens=16, images=4),
        chat_probe("images_spread", spread, (
            Check("images_spread", "images per message",
                  "3 images, then 1 in a second user message, are accepted (counted per "
                  "message)", noting(expect_accepted, "4", "the model counted 4"),
                  fixed("sends this shape only with `spread_images: true` (off by default): "
                        "images past the 3rd go into following user messages")),),
            max_tokens=16, images=4),
        chat_probe("image_5000px", image_message(big), (
            Check("image_5000px", "image sides in px",
                  f"a {BIG[0]}x{BIG[1]} px PNG is accepted (only sides over 8000 px are "
                  "refused)", judge_image,
                  fixed("downscales it to `image_max_side` (default 1568 px, at most 8000) "
                        "before sending")),), max_tokens=16, images=1),
        chat_probe("pdf_21_pages", user([{"type": "text", "text": CODE_WORD_QUESTION},
                                         document(whole)]), (
            Check("pdf_21_pages", "PDF pages", f"a {LONG_PDF}-page PDF is refused (20 at most)",
                  expect_refused,
                  fixed("refuses a PDF over 20 pages with a 400 before any call, unless "
                        "`split_pdfs: true`")),), max_tokens=16, pdf_pages=LONG_PDF),
        chat_probe("pdf_split_parts", split, (
            Check("pdf_split_parts", "PDF pages",
                  "a 20-page and a 1-page part of it in one message are accepted (20 pages "
                  "per document); sent only if the whole PDF was refused",
                  noting(expect_accepted, probe_media.PDF_CODE_WORD.lower(), saw_all),
                  fixed("sends this shape only with `split_pdfs: true` (off by default): "
                        "labelled parts of at most 20 pages, each with only its own "
                        "resources")),), max_tokens=16, pdf_pages=LONG_PDF),
    ]  # fmt: skip
    probes[-1] = replace(probes[-1], only_if_refused="pdf_21_pages")
    return probes
