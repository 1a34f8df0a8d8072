"""A bounded memo for what a worker keeps between requests (parsed templates, verified
cookies and tokens): at most ``size`` entries, the oldest kept dropped first."""
from __future__ import annotations


class Kept(dict):
    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def keep(self, key, value):
        """Keep ``value`` under ``key`` and return it."""
        if key not in self and len(self) >= self.size:
            del self[next(iter(self))]
        self[key] = value
        return value
