"""Login throttling: failed sign-ins counted per account and per address in a moving window.

Built on ``limits`` (the library under Flask-Limiter) because only *failed* attempts count and
the account key comes from the form. Storage is Redis when REDIS_URL is set (every web process
shares the counts), memory otherwise. There is no permanent lock-out: an account or address
that hit its limit signs in again once its oldest failure leaves the window.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from crm.settings import Settings


@dataclass
class LoginThrottle:
    """Counts failed sign-ins; ``blocked`` says for how many seconds a new try is refused."""

    limiter: MovingWindowRateLimiter
    per_account: RateLimitItemPerSecond
    per_address: RateLimitItemPerSecond

    @classmethod
    def from_settings(cls, settings: Settings, storage_url: str | None = None) -> LoginThrottle:
        """Redis storage on REDIS_URL (or ``storage_url``), memory without it."""
        url = storage_url or settings.redis_url or "memory://"
        if url.startswith("unix://"):  # redis-py's socket URL; limits names it redis+unix://
            url = "redis+" + url
        storage: Storage = storage_from_string(url)
        window = settings.login_window_seconds
        return cls(
            MovingWindowRateLimiter(storage),
            RateLimitItemPerSecond(settings.login_attempts_per_account, window, namespace="crm-login-account"),
            RateLimitItemPerSecond(settings.login_attempts_per_address, window, namespace="crm-login-address"),
        )

    @staticmethod
    def _account(email: str) -> str:
        # Hashed: e-mail addresses do not sit in Redis keys.
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]

    def blocked(self, email: str, address: str) -> int:
        """Seconds until a sign-in for this account from this address may be tried; 0 = now."""
        waits = []
        for item, key in ((self.per_account, self._account(email)), (self.per_address, address)):
            if not self.limiter.test(item, key):
                reset = self.limiter.get_window_stats(item, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits, default=0)

    def failed(self, email: str, address: str) -> None:
        """Count a failed sign-in against the account and the address."""
        self.limiter.hit(self.per_account, self._account(email))
        self.limiter.hit(self.per_address, address)

    def succeeded(self, email: str) -> None:
        """A right password clears the account's count (the address keeps its own)."""
        self.limiter.clear(self.per_account, self._account(email))
