"""Background work: the delivery worker that drains the per-recipient queue.

Owns: leasing due queue entries, running the delivery pipeline on them with
bounded concurrency, and shutting down cleanly (finishing or returning work).
Must not import: servers, api, protocol.
"""
