"""Limits on what a client's tools and schemas may cost the proxy, named in one place.

Chosen so that the largest request they admit is checked in well under 50 ms on the event
loop (bench/bench_tool_safety.py), while leaving room for the largest real tool sets: Claude
Code sends 24 tools, ~60-100 KB in all, nested at most ~10 deep. KB here is 1024 bytes of the
schema's compact JSON.
"""

KB = 1024

MAX_TOOLS = 128  # tools in one request
MAX_SCHEMA_BYTES = 128 * KB  # one tool's `parameters`, or the response_format schema
MAX_TOOLS_BYTES = 256 * KB  # all tools together: names, descriptions and parameters
MAX_SCHEMA_DEPTH = 64  # nesting of JSON objects and arrays in a schema; also $ref chains
MAX_PATTERN_CHARS = 1000  # one `pattern` or `patternProperties` key
# Nesting of a JSON value validated against a schema, checked without recursion first.
# jsonschema then recurses 3.2-4.1 frames a level (a $ref tree; the same through anyOf):
# ~810 frames at 200, under Python's 1,000 with the proxy's ~30 (256 would need ~1,050);
# its time is bounded by the steps below (~3-7 ms at 200 levels).
MAX_ANSWER_DEPTH = 200
# Work one validation may do: a step per keyword applied, one per 16 characters a pattern
# searches, and a deadline on the clock (budget.py); an ordinary answer takes ~20 steps, ~50 us.
VALIDATION_STEPS = 20_000
VALIDATION_SECONDS = 0.04

# Compiled validators kept, counted in the compact JSON bytes of their schemas (a parsed and
# compiled schema holds ~10x its JSON size in memory): 8 MB of schemas, ~80 MB at most.
CACHE_SCHEMA_BYTES = 8 * 1024 * KB
# RE2's memory budget per compiled pattern (it bounds the program's size, hence its time).
PATTERN_MAX_MEM = 1024 * KB
