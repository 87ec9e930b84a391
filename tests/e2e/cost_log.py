"""A LiteLLM callback the e2e harness copies next to a proxy's config: it appends one JSON
line per successful call (cost, stream flag, model) to COST_LOG, so tests can see what the
proxy charged for calls whose cost no response header carries (streams)."""

import json
import os

from litellm.integrations.custom_logger import CustomLogger


class CostLog(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        line = {
            "model": kwargs.get("model"),
            "stream": bool(kwargs.get("stream")),
            "cost": kwargs.get("response_cost"),
        }
        with open(os.environ["COST_LOG"], "a") as log:
            log.write(json.dumps(line) + "\n")


recorder = CostLog()
