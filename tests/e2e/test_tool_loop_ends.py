"""An agent on the emulator, unscripted, ends its session (docs/emulator.md): config.yaml as
shipped, the openai client through the real proxy, driving a Qwen Code-like agent whose first
tool starts a sub-agent (in the background on the top level, whose end comes back as a user
turn) with a nesting limit of its own. Before: every user turn started another agent call (Qwen
Code: 721 requests in 180 s until it was killed); now each conversation makes one tool call,
then answers in text. (Named ``*tool*``: scripts/compat.py's matrix runs it too.)"""

from __future__ import annotations

import json

import openai
import pytest

pytestmark = pytest.mark.e2e

AGENT = {"type": "function", "function": {"name": "agent", "description": "Start a sub-agent",
         "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}},
                        "required": ["prompt"]}}}  # fmt: skip
WRITE = {"type": "function", "function": {"name": "write_file", "parameters": {
    "type": "object", "properties": {"file_path": {"type": "string"}}, "required": ["file_path"]}}}  # fmt: skip
MAX_DEPTH = 3  # the client's own nesting limit (Qwen Code's sub-agents stop offering `agent`)
CAP = 40


def test_an_unscripted_agent_session_on_the_emulator_ends(shipped_proxy, emulator):
    client = openai.OpenAI(base_url=f"{shipped_proxy.url}/v1", api_key=shipped_proxy.master_key,
                           max_retries=0)  # fmt: skip
    asked = 0

    def ask(messages: list, tools: list):
        nonlocal asked
        asked += 1
        if asked > CAP:
            pytest.fail(f"the agent session did not end: {CAP} requests")
        reply = client.chat.completions.create(model="claude-4-sonnet", messages=messages,
                                               tools=tools)  # fmt: skip
        return reply.choices[0].message

    def session(task: str, depth: int) -> str:
        tools = [AGENT, WRITE] if depth < MAX_DEPTH else [WRITE]
        messages: list = [{"role": "user", "content": task}]
        background: list[str] = []
        while True:
            message = ask(messages, tools)
            if not message.tool_calls:
                if not background:
                    return message.content
                # A background agent runs, then its end arrives as a user turn.
                done = session(background.pop(), depth + 1)
                messages += [{"role": "assistant", "content": message.content},
                             {"role": "user", "content": f"<task-notification>{done}"
                                                         "</task-notification>"}]  # fmt: skip
                continue
            messages.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                prompt = json.loads(call.function.arguments).get("prompt", "")
                if call.function.name != "agent":
                    result = "File path must be absolute"
                elif depth == 0:
                    background.append(prompt)
                    result = "Background agent launched."
                else:
                    result = session(prompt, depth + 1)
                messages.append({"role": "tool", "tool_call_id": call.id, "content": result})

    final = session("Create hello.txt containing hi", 0)
    # Top: call, text; the background agent and its 2 nested ones: call, text each; the
    # innermost: write_file, text; the notification: text.
    assert asked == 9, asked
    assert len(emulator.received()) == 9  # no repair calls either
    assert final.startswith("The tool answered: ")
    print(f"unscripted agent session: ended after {asked} requests")
