"""Per-candidate variants: every random draw in the data layer starts here.

A candidate's data is a pure function of (cohort secret, candidate id, task), so
two candidates get different samples, a rebuild gives byte-identical files, and
nobody without the cohort secret can regenerate a candidate's hidden holdout.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Variant:
    """Who the data is for. The secret is kept out of repr so it never lands in logs."""

    cohort_secret: str = field(repr=False)
    candidate_id: str
    task: str

    def __post_init__(self) -> None:
        if not self.cohort_secret:
            raise ValueError("cohort_secret must be non-empty: it is what keeps variants unguessable")

    def seed(self, purpose: str) -> int:
        """A 128-bit seed for one purpose ("churn/panel", "digits/split", ...).

        HMAC-SHA256 keyed by the cohort secret; the purpose gives independent streams,
        so adding a draw for one purpose never shifts the numbers of another.
        """
        message = "\x1f".join((self.candidate_id, self.task, purpose)).encode("utf-8")
        digest = hmac.new(self.cohort_secret.encode("utf-8"), message, hashlib.sha256).digest()
        return int.from_bytes(digest[:16], "big")

    def rng(self, purpose: str) -> np.random.Generator:
        """A fresh PCG64 generator for one purpose; never the global numpy RNG."""
        return np.random.Generator(np.random.PCG64(self.seed(purpose)))
