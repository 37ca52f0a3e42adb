"""The loopback MX, DNS and openses fixtures of ``test_send_and_deliver``, for the other
delivery tests (a module that defines its own fixture of the same name keeps it)."""

from tests.delivery.test_send_and_deliver import (  # noqa: F401 (fixtures, found by name)
    clean,
    dns_server,
    mx,
    mx_server,
)
