"""Untrusted media bytes decoded and re-encoded, in worker processes (``worker``), never in
the proxy's own: a decoder that holds the GIL, runs long or crashes costs a worker, not the
event loop that serves every user. No litellm here, nothing of the package above ``limits``.
"""
