"""The AWS-facing adapters: one small async function per AWS operation.

Owns: turning an operation's parameters (botocore names) into service calls
and service results into the operation's output shape; the table mapping
domain errors to AWS errors per API version; the request pipeline that ties
the protocol layer (auth, parse, validate, serialize) to these adapters.
Must not import: servers. This is the only layer that speaks both AWS names
and domain names.
"""
