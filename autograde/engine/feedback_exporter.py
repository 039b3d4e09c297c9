"""nbgrader's feedback page, rendered with templates compiled once per process.

nbgrader builds a fresh HTML exporter for every submission, and each one parses
and compiles the same Jinja templates again: a fifth of a second per submission,
more than rendering itself. A grading worker lives for a whole cohort, so the
compiled templates are kept for its lifetime."""

from __future__ import annotations

from jinja2 import BytecodeCache
from nbconvert.exporters import HTMLExporter


class _InMemory(BytecodeCache):
    """Compiled templates by name and source checksum: an edited template is compiled anew."""

    def __init__(self):
        self._compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self._compiled:
            bucket.bytecode_from_string(self._compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self._compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _InMemory()


class FeedbackExporter(HTMLExporter):
    def _create_environment(self):
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment
