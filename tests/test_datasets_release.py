"""Releases: reproducible per candidate, different across candidates, holdouts kept hidden,
files in agreement with their data cards, and cheap enough to build for a whole cohort."""

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from autograde.datasets import DATASETS, cards, digits
from autograde.datasets.release import write_task_data
from autograde.datasets.variants import Variant

CARD_OF = {"churn": "churn", "churn_drift": "churn", "digits": "digits"}


def build(root: Path, variant: Variant) -> dict[str, dict]:
    return {name: write_task_data(name, variant, root / "release", root / "hidden") for name in DATASETS}


@pytest.fixture(scope="module")
def alice(tmp_path_factory):
    root = tmp_path_factory.mktemp("alice")
    return root, build(root, Variant("cohort-2026-spring", "alice", "churn-task"))


@pytest.fixture(scope="module")
def bob(tmp_path_factory):
    root = tmp_path_factory.mktemp("bob")
    return root, build(root, Variant("cohort-2026-spring", "bob", "churn-task"))


def all_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_inputs_give_byte_identical_files(alice, tmp_path):
    """Does rebuilding the same candidate's data give byte-identical files and manifests?"""
    root, manifests = alice
    again = build(tmp_path, Variant("cohort-2026-spring", "alice", "churn-task"))
    assert again == manifests
    for side in ("release", "hidden"):
        assert all_bytes(tmp_path / side) == all_bytes(root / side)


def test_two_candidates_get_different_data_with_the_same_character(alice, bob):
    """Do two candidates get different files that both agree with the data cards?"""
    for root, manifests in (alice, bob):
        for name, manifest in manifests.items():
            for side in ("release", "hidden"):
                for entry in manifest[side]:
                    if entry["file"].endswith(".csv"):
                        problems = cards.check_file(root / side / entry["file"], CARD_OF[name])
                        assert problems == [], (entry["file"], problems)
    alice_files, bob_files = all_bytes(alice[0] / "release"), all_bytes(bob[0] / "release")
    assert alice_files.keys() == bob_files.keys()
    for name in alice_files:
        assert alice_files[name] != bob_files[name], name


def test_secret_and_task_both_change_the_data(tmp_path):
    """Does changing the cohort secret or the task (same candidate) give different data?"""
    base = write_task_data("churn", Variant("secret-1", "carol", "task-a"), tmp_path / "a", tmp_path / "ha")
    other_secret = write_task_data("churn", Variant("secret-2", "carol", "task-a"), tmp_path / "b", tmp_path / "hb")
    other_task = write_task_data("churn", Variant("secret-1", "carol", "task-b"), tmp_path / "c", tmp_path / "hc")
    sha = lambda m: m["release"][0]["sha256"]  # noqa: E731
    assert len({sha(base), sha(other_secret), sha(other_task)}) == 3


def test_no_holdout_label_or_id_reaches_the_release(alice):
    """Scanning every release file: is there any holdout customer id, holdout image, hidden file name or drift truth?"""
    root, manifests = alice
    release_files = all_bytes(root / "release")
    hidden_names = {e["file"] for m in manifests.values() for e in m["hidden"]}
    assert set(release_files) == {e["file"] for m in manifests.values() for e in m["release"]}
    assert not hidden_names & set(release_files)

    holdout_ids = pd.read_csv(root / "hidden" / "churn_holdout_labels.csv")["customer_id"].unique()
    assert len(holdout_ids) > 100
    truth_keys = [key.encode() for key in json.loads((root / "hidden" / "drift_truth.json").read_text())["events"][0]]
    for name, data in release_files.items():
        for customer in holdout_ids:
            assert customer.encode() not in data, (name, customer)
        for hidden_name in hidden_names:
            assert hidden_name.encode() not in data, (name, hidden_name)
        assert not any(b'"' + key + b'"' in data for key in truth_keys), name
        assert b"D-0" not in data, name

    train = pd.read_csv(root / "release" / "digits_train.csv")
    holdout = pd.read_csv(root / "hidden" / "digits_holdout_features.csv")
    pixels = list(digits.PIXEL_COLUMNS)
    shared = train[pixels].merge(holdout[pixels], how="inner")
    assert shared.empty, "holdout images found in the candidate's training file"


def test_hidden_dir_inside_the_release_is_refused(tmp_path):
    """Is writing hidden files into (or under) the release directory refused?"""
    variant = Variant("s", "dave", "t")
    with pytest.raises(ValueError):
        write_task_data("churn", variant, tmp_path / "release", tmp_path / "release")
    with pytest.raises(ValueError):
        write_task_data("churn", variant, tmp_path / "release", tmp_path / "release" / "grader")
    assert not (tmp_path / "release").exists()


def test_manifest_describes_the_written_files(alice):
    """Do the manifest's row counts and sha256 sums match the files on disk?"""
    root, manifests = alice
    for manifest in manifests.values():
        for side in ("release", "hidden"):
            for entry in manifest[side]:
                data = (root / side / entry["file"]).read_bytes()
                assert hashlib.sha256(data).hexdigest() == entry["sha256"]
                if entry["rows"] is not None:
                    assert len(pd.read_csv(root / side / entry["file"])) == entry["rows"]


def test_every_card_table_is_a_file_the_build_writes(alice):
    """Is every table described in a card written by the build, and every written CSV described?"""
    _, manifests = alice
    written = {
        (CARD_OF[name], Path(e["file"]).stem)
        for name, m in manifests.items()
        for side in ("release", "hidden")
        for e in m[side]
        if e["file"].endswith(".csv")
    }
    described = {(card, table) for card in set(CARD_OF.values()) for table in cards.load_expectations(card)["tables"]}
    assert written == described


def test_one_candidate_release_stays_a_few_megabytes(tmp_path):
    """Does one candidate's release, every dataset included, stay under 3 MB? (Time: `make bench`.)"""
    build(tmp_path / "sized", Variant("cohort-2026-spring", "erin", "churn-task"))
    release_bytes = sum(p.stat().st_size for p in (tmp_path / "sized" / "release").iterdir())
    assert release_bytes < 3_000_000


def test_digits_source_is_the_file_the_card_records():
    """Is scikit-learn's bundled digits file the exact file the digits card documents?"""
    assert digits.source_sha256() == cards.load_expectations("digits")["source"]["sha256"]


def test_digits_split_is_stratified_and_complete(alice):
    """Does the digits split keep every image exactly once and hold out about a quarter of each class?"""
    root, _ = alice
    train = pd.read_csv(root / "release" / "digits_train.csv")
    labels = pd.read_csv(root / "hidden" / "digits_holdout_labels.csv")
    assert len(train) + len(labels) == 1797
    full = digits.load_digits_frame()["label"].value_counts()
    held = labels["label"].value_counts()
    assert ((held / full).between(0.22, 0.28)).all()
