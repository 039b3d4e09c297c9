"""Staging a submission before nbgrader copies it: only regular files, within per-file, total and count caps,
each left-out path said with why."""

from __future__ import annotations

import os

import pytest

from autograde.trust_boundary import staging
from autograde.trust_boundary.staging import stage_submission


def _files(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def submitted(tmp_path):
    folder = tmp_path / "submitted"
    (folder / "data").mkdir(parents=True)
    (folder / "task.ipynb").write_text('{"cells": []}')
    (folder / "data" / "values.csv").write_text("a,b\n1,2\n")
    return folder


def test_regular_files_are_copied_with_their_folders(submitted, tmp_path):
    """Are a submission's regular files, in nested folders too, staged byte for byte with nothing left out?"""
    (submitted / "data" / "deep" / "deeper").mkdir(parents=True)
    (submitted / "data" / "deep" / "deeper" / "model.bin").write_bytes(bytes(range(256)))
    target = tmp_path / "staged"
    assert stage_submission(submitted, target) == []
    assert _files(target) == _files(submitted)
    assert not any(p.is_symlink() for p in target.rglob("*"))


def test_a_symlink_to_a_file_is_left_out(submitted, tmp_path):
    """Is a symlink to a file (the gradebook, /etc/passwd) left out, not followed, with the reason?"""
    secret = tmp_path / "gradebook.db"
    secret.write_text("grades of everyone")
    os.symlink(secret, submitted / "data" / "extra.csv")
    os.symlink("/etc/passwd", submitted / "passwd")
    target = tmp_path / "staged"
    assert sorted(stage_submission(submitted, target)) == ["data/extra.csv: a symlink", "passwd: a symlink"]
    assert _files(target) == {"task.ipynb": b'{"cells": []}', "data/values.csv": b"a,b\n1,2\n"}


def test_a_symlink_to_a_folder_is_left_out_and_not_walked(submitted, tmp_path):
    """Is a symlink to a folder left out without copying anything from inside it?"""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "hidden_labels.csv").write_text("y\n1\n")
    os.symlink(outside, submitted / "data" / "more")
    target = tmp_path / "staged"
    assert stage_submission(submitted, target) == ["data/more: a symlink"]
    assert not (target / "data" / "more").exists()
    assert "hidden_labels.csv" not in {p.name for p in target.rglob("*")}


def test_a_dangling_symlink_is_left_out(submitted, tmp_path):
    """Is a symlink to nothing left out as a symlink?"""
    os.symlink(tmp_path / "nowhere", submitted / "ghost")
    assert stage_submission(submitted, tmp_path / "staged") == ["ghost: a symlink"]


def test_a_fifo_is_left_out_without_blocking(submitted, tmp_path):
    """Is a fifo (which would block or stream forever) left out as not a regular file, without waiting on it?"""
    os.mkfifo(submitted / "data" / "pipe")
    target = tmp_path / "staged"
    assert stage_submission(submitted, target) == ["data/pipe: not a regular file (a device, fifo or socket)"]
    assert not (target / "data" / "pipe").exists()


def test_the_target_is_emptied_first(submitted, tmp_path):
    """Does staging remove what an earlier staging (or anyone) left in the target?"""
    target = tmp_path / "staged"
    target.mkdir()
    (target / "stale.txt").write_text("from before")
    stage_submission(submitted, target)
    assert not (target / "stale.txt").exists()


def test_a_file_over_the_size_cap_is_left_out(submitted, tmp_path, monkeypatch):
    """Is a file larger than MAX_FILE_BYTES left out with the reason, while one exactly at the cap is staged?"""
    monkeypatch.setattr(staging, "MAX_FILE_BYTES", 100)
    (submitted / "at_cap.bin").write_bytes(b"x" * 100)
    (submitted / "over_cap.bin").write_bytes(b"x" * 101)
    target = tmp_path / "staged"
    dropped = stage_submission(submitted, target)
    assert len(dropped) == 1 and dropped[0].startswith("over_cap.bin: over the") and "file cap" in dropped[0]
    assert (target / "at_cap.bin").stat().st_size == 100 and not (target / "over_cap.bin").exists()


def test_files_past_the_total_cap_are_left_out(tmp_path, monkeypatch):
    """Once the staged files reach MAX_TOTAL_BYTES, is a file that would pass it left out (and a smaller one
    that still fits staged)?"""
    monkeypatch.setattr(staging, "MAX_TOTAL_BYTES", 250)
    source = tmp_path / "submitted"
    source.mkdir()
    for name, size in (("a.bin", 100), ("b.bin", 100), ("c.bin", 100), ("d.bin", 50)):
        (source / name).write_bytes(b"x" * size)
    target = tmp_path / "staged"
    dropped = stage_submission(source, target)
    assert len(dropped) == 1 and dropped[0].startswith("c.bin: over the") and "whole submission" in dropped[0]
    assert sorted(_files(target)) == ["a.bin", "b.bin", "d.bin"]
    assert sum(len(b) for b in _files(target).values()) <= 250


def test_files_past_the_count_cap_are_left_out(tmp_path, monkeypatch):
    """Is every file past MAX_FILES left out, with the reason, and not left behind in the target?"""
    monkeypatch.setattr(staging, "MAX_FILES", 3)
    source = tmp_path / "submitted"
    source.mkdir()
    for n in range(5):
        (source / f"f{n}.txt").write_text(str(n))
    target = tmp_path / "staged"
    assert stage_submission(source, target) == ["f3.txt: more than 3 files", "f4.txt: more than 3 files"]
    assert sorted(_files(target)) == ["f0.txt", "f1.txt", "f2.txt"]
