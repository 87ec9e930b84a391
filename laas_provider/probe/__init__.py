"""``laas-check --probe``: settle each assumption of docs/assumptions.md against your LaaS.

A fixed list of at most 20 small calls (``catalogue.build_probes``), each sent once, in order, never
retried. Each sends a raw LaaS body (``hash``/``params``/``messages`` plus the key being
probed), not the plugin's translation, so it tests the service itself; each report row also
says what the plugin does for the same case (its pure transform functions, no I/O).

Safety: the plan (calls, token bound) is printed and confirmed first (``--yes`` skips the
question; without a terminal nothing is sent unless ``--yes``); the run stops at the first
401/403 (or 429, or a transport error) on your own credentials, and stops spending tokens
as soon as an answer is longer than the ``max_tokens`` it was sent with.

Report: a table on the terminal and ``laas-probe-<date>.json`` / ``.md``, with the API key,
project code and preset hash masked everywhere. Exit status: 0 when no row disagrees
(``unknown`` rows do not fail: they say the probe could not tell), 3 when any row disagrees,
1 when the run was declined or stopped before the end, 2 when LaaS is not configured.


``laas-check --probe media`` runs, instead, the opt-in image and PDF calls behind the
adaptation keys (``media_catalogue``): they spend real tokens (a 21-page PDF), so the plan
shows each call's estimate before asking; the report ends with the keys to set (``advice``).

Modules: ``model`` (calls, outcomes, rows, the report), ``catalogue`` and ``media_catalogue``
(the probes), ``plugin`` (what the plugin does for each case), ``judges``
(agree/disagree/unknown), ``run`` (plan, asking, stop rules, ``main``), ``report`` (table,
files, masking), ``advice`` (deployment keys), ``media`` (the tiny files).
"""

from .run import main

__all__ = ["main"]
