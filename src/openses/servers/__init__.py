"""Network servers: the ASGI HTTP API (and later SMTP listeners and the DNS responder).

Owns: sockets, byte framing, size caps, connection limits.
Must not import: storage or domain directly; servers hand requests to ``api``.
"""
