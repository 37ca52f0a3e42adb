"""Application services: one module per SES area, shared by every door (v1, v2, SMTP).

Owns: the behaviour of SES (which rules apply, in which order, what is stored).
Must not import: protocol, api, servers, botocore. Speaks domain values and
raises domain errors; never AWS wire names.
"""
