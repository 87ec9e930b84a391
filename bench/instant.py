"""An instant in-memory ``CustomLLM`` (no upstream call): the proxy's own floor.

Served by a proxy with the same settings as the plugin, it shows what the proxy itself costs
for a request (memory, time), so the plugin's own share is the difference. It answers a fixed
text with usage, so cost tracking and budgets do the same work as for a real model.
``BENCH_INSTANT_DELAY_S`` makes it wait that long first (a floor whose requests stay in flight
as long as an upstream call would).
Benchmark-only: never imported by the plugin.
"""

from __future__ import annotations

import asyncio
import os
import time

from litellm import CustomLLM
from litellm.types.utils import Choices, Message, ModelResponse, Usage

TEXT = "ok"


class Instant(CustomLLM):
    async def acompletion(self, model, messages, api_base, custom_prompt_dict, model_response,
                          *args, **kwargs) -> ModelResponse:  # fmt: skip
        await asyncio.sleep(float(os.environ.get("BENCH_INSTANT_DELAY_S") or 0))
        response = model_response if model_response is not None else ModelResponse()
        response.created = int(time.time())
        response.model = model
        response.choices = [
            Choices(index=0, finish_reason="stop", message=Message(role="assistant", content=TEXT))
        ]
        response.usage = Usage(prompt_tokens=10, completion_tokens=1, total_tokens=11)  # type: ignore[attr-defined]
        return response


handler = Instant()
