"""Proxy hooks: what this package adds to the LiteLLM proxy beside the provider.

The request guard (``guard``, with its shape checks ``shape`` and the raw-body check
``body_guard``), the non-chat refusal (``non_chat``), ``/model/info`` masking
(``model_info``), the one-line client-mistake log (``refusal_log``) and the heap freezer
(``gc_freeze``). ``routing`` tells which requests a LaaS deployment serves.
"""
