"""The scratch gradebook a worker grades each submission in, and the one SQLAlchemy
engine that serves it for the worker's lifetime.

nbgrader opens a new `Gradebook`, with a new engine, a dozen times per submission, and
SQLAlchemy caches compiled SQL per engine: each one compiled the same statements again.
Measured on the engine's fixture task: a worker's own CPU per submission 0.30-0.36 s with
a fresh engine each time, 0.17-0.21 s with one. So each worker process (and thread, for
Dask) grades at one fixed gradebook path, refreshed from the template before every
submission, and nbgrader's engines for that path are kept."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from pathlib import Path

_kept: dict[str, object] = {}  # a private gradebook's URL -> its sqlalchemy Engine, once nbgrader made one
_lock = threading.Lock()


def fresh_gradebook(work_dir: Path, template: Path) -> Path:
    """This process and thread's private gradebook, a new copy of `template` (the host is
    in the name: Dask workers on several machines may share the course folder)."""
    _keep_nbgrader_engines()
    path = work_dir / f"gradebook-{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}.db"
    discard(path)
    shutil.copyfile(template, path)
    with _lock:
        _kept.setdefault(f"sqlite:///{path}", None)
    return path


def discard(path: Path) -> None:
    """Closes the pooled connections to `path` (they would still read the old file), then deletes it."""
    engine = _kept.get(f"sqlite:///{path}")
    if engine is not None:
        engine.dispose()
    path.unlink(missing_ok=True)


def _keep_nbgrader_engines() -> None:
    import nbgrader.api

    if nbgrader.api.create_engine is not _engine_for:
        nbgrader.api.create_engine = _engine_for


def _engine_for(url, **options):
    """nbgrader's `create_engine`: kept engines for private gradebooks, a new one otherwise."""
    from sqlalchemy import create_engine

    with _lock:
        if url not in _kept:
            return create_engine(url, **options)
        if _kept[url] is None:
            _kept[url] = create_engine(url, **options)
        return _kept[url]
