"""The identity verifier's background loop: check due identities, every pass or when woken.

Every ``interval`` seconds (``OPENSES_VERIFY_INTERVAL``) it checks the identities
whose ``next_check_at`` has come, a batch at a time until none is left; a change
that wants a check at once (a new domain, new DKIM keys, a new MAIL FROM domain)
wakes it. Several processes may run it together: identities are claimed (see
``storage/repositories/verification.py``). One identity's trouble is logged and
never stops the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from openses.services.verification import IdentityVerifier

logger = logging.getLogger("openses.verifier")


class VerificationRunner:
    def __init__(self, verifier: IdentityVerifier, *, interval: float = 60.0) -> None:
        self._verifier = verifier
        self._interval = interval
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something is due now: check at once rather than at the next pass."""
        self._wakeup.set()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="identity-verifier")

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            await self._pass()
            if self._stopping.is_set():
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), self._interval)

    async def _pass(self) -> None:
        """Check batches until fewer than a batch are due (or stopping)."""
        while not self._stopping.is_set():
            try:
                claimed = await self._verifier.check_due()
            except Exception:
                logger.exception("the identity verifier's pass failed")
                return
            if claimed < self._verifier.batch_size:
                return

    async def stop(self, grace_seconds: float = 10.0) -> None:
        """Stop after the checks under way, or cancel them after ``grace_seconds``.

        A cancelled check leaves its claim to run out; the identity is checked again then.
        """
        self._stopping.set()
        self._wakeup.set()
        task, self._task = self._task, None
        if task is None:
            return
        _done, pending = await asyncio.wait({task}, timeout=grace_seconds)
        for unfinished in pending:
            unfinished.cancel()
        await asyncio.gather(task, return_exceptions=True)
