"""Pure domain types and rules of SES: identities, accounts, credentials, tags.

Owns: values (frozen dataclasses), enums and the rules that need no I/O.
Must not import: anything else in openses, botocore, SQLAlchemy or any I/O.
"""
