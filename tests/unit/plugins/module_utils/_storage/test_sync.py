"""The decisions of heron_upload, against an in-memory backend that records every call."""

from __future__ import annotations

import hashlib
import re

import pytest

from ansible_collections.heron.aurora.plugins.module_utils._common.retry import Deadline
from ansible_collections.heron.aurora.plugins.module_utils._storage.base import PutResult, StorageBackend, StoredObject
from ansible_collections.heron.aurora.plugins.module_utils._storage.errors import (
    InvalidInput,
    ObjectMissing,
    StorageError,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.hashing import (
    SourceDigest,
    SourceFile,
    VerifiedDownload,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.sync import (
    SyncOptions,
    ensure_absent,
    ensure_present,
    needs_upload,
)
from ansible_collections.heron.aurora.plugins.module_utils._storage.uri import Location, parse_dest


class MemoryBackend(StorageBackend):
    """In-memory store for unit tests: objects by URI, a clock for modification times, a log of puts."""

    name = "memory"

    def __init__(self):
        super().__init__(Deadline(60))
        self.objects: dict[str, tuple[bytes, str | None, float]] = {}
        self.puts: list[str] = []
        self.deleted: list[str] = []
        self.leftovers_removed: list[tuple[str, str, float]] = []
        self.listings = 0
        self.clock = 1000.0

    def add(self, uri: str, data: bytes, digest: str | None = "auto"):
        self.clock += 1
        recorded = hashlib.sha256(data).hexdigest() if digest == "auto" else digest
        self.objects[uri] = (data, recorded, self.clock)

    def prepare(self, location, check_mode):
        return False

    def stat(self, location):
        if location.uri not in self.objects:
            return None
        data, digest, modified = self.objects[location.uri]
        return StoredObject(location, len(data), digest, modified)

    def put(self, source, location, digest):
        chunks = digest.stream()
        data = b"".join(chunks)
        source.check_unchanged(len(data))
        self.puts.append(location.uri)
        self.add(location.uri, data, chunks.hexdigest)
        return PutResult(chunks.hexdigest, len(data), len(data))

    def download(self, location, destination):
        if location.uri not in self.objects:
            raise ObjectMissing(location.uri)
        data, digest, modified = self.objects[location.uri]
        with VerifiedDownload(location.uri, destination) as target:
            target.write(data)
            sha256 = target.commit(digest)
        return StoredObject(location, len(data), sha256, modified)

    def delete(self, location):
        self.deleted.append(location.uri)
        return self.objects.pop(location.uri, None) is not None

    def remove_leftovers(self, location, names, older_than):
        self.leftovers_removed.append((location.uri, names.pattern, older_than))

    def list_matching(self, location, pattern: re.Pattern, leftovers_older_than=None):
        self.listings += 1
        if leftovers_older_than is not None:
            self.leftovers_removed.append((location.uri, pattern.pattern, leftovers_older_than))
        found = []
        for uri, (data, _digest, modified) in self.objects.items():
            candidate = parse_dest(uri)
            if candidate.directory == location.directory and pattern.match(candidate.name):
                found.append(StoredObject(candidate, len(data), None, modified))
        return found


DEST = parse_dest("s3://heron-packages/core/heron-core.tar.gz")


@pytest.fixture
def src(tmp_path):
    path = tmp_path / "heron-core.tar.gz"
    path.write_bytes(b"core v1" * 1000)
    return path


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source(path) -> SourceFile:
    return SourceFile.open_checked(str(path))


class CountingDigest(SourceDigest):
    """The real digest, counting how often the flow waited for it."""

    def __init__(self, path):
        super().__init__(str(path))
        self.waited = 0

    def result(self) -> str:
        self.waited += 1
        return super().result()


def test_first_upload_then_unchanged(src):
    store = MemoryBackend()
    first = ensure_present(store, source(src), DEST, SyncOptions(), check_mode=False)
    assert first["changed"] and first["transferred_bytes"] == src.stat().st_size
    assert first["previous_sha256"] is None and first["sha256"] == sha(src)
    assert first["uri"] == DEST.uri and first["backend"] == "memory"
    second = ensure_present(store, source(src), DEST, SyncOptions(), check_mode=False)
    assert not second["changed"] and second["transferred_bytes"] == 0
    assert second["previous_sha256"] == second["sha256"] == sha(src)
    assert len(store.puts) == 1


def test_changed_content_of_same_size_is_uploaded(src):
    store = MemoryBackend()
    ensure_present(store, source(src), DEST, SyncOptions(), check_mode=False)
    old = sha(src)
    src.write_bytes(b"core v2" * 1000)
    result = ensure_present(store, source(src), DEST, SyncOptions(), check_mode=False)
    assert result["changed"] and result["previous_sha256"] == old and result["sha256"] == sha(src)
    assert result["diff"] == {"before": {"uri": DEST.uri, "sha256": old, "size": 7000},
                              "after": {"uri": DEST.uri, "sha256": sha(src), "size": 7000}}


def test_object_without_recorded_digest_is_replaced(src):
    store = MemoryBackend()
    store.add(DEST.uri, src.read_bytes(), digest=None)
    result = ensure_present(store, source(src), DEST, SyncOptions(), check_mode=False)
    assert result["changed"] and result["previous_sha256"] is None


def test_check_mode_sends_nothing(src):
    store = MemoryBackend()
    result = ensure_present(store, source(src), DEST, SyncOptions(), check_mode=True)
    assert result["changed"] and result["transferred_bytes"] == 0 and result["sha256"] == sha(src)
    assert store.puts == [] and store.objects == {}


def test_overwrite_never_and_always(src):
    store = MemoryBackend()
    store.add(DEST.uri, b"something else")
    never = ensure_present(store, source(src), DEST, SyncOptions(overwrite="never"), check_mode=False)
    assert not never["changed"] and never["size"] == len(b"something else")
    always = ensure_present(store, source(src), DEST, SyncOptions(overwrite="always"), check_mode=False)
    again = ensure_present(store, source(src), DEST, SyncOptions(overwrite="always"), check_mode=False)
    assert always["changed"] and again["changed"] and len(store.puts) == 2


def test_upload_starts_without_waiting_for_the_digest_when_size_differs(src):
    store = MemoryBackend()
    store.add(DEST.uri, b"short")
    digest = CountingDigest(src)
    result = ensure_present(store, source(src), DEST, SyncOptions(), False, digest)
    assert store.puts == [DEST.uri] and digest.waited == 0
    assert result["sha256"] == sha(src) and store.objects[DEST.uri][1] == sha(src)


def test_same_size_needs_the_digest_to_decide(src):
    store = MemoryBackend()
    store.add(DEST.uri, src.read_bytes())
    digest = CountingDigest(src)
    result = ensure_present(store, source(src), DEST, SyncOptions(), False, digest)
    assert not result["changed"] and store.puts == [] and digest.waited == 1


def test_src_rewritten_during_the_upload_is_refused(src):
    store = MemoryBackend()
    checked = source(src)
    src.write_bytes(b"rewritten meanwhile")
    with pytest.raises(StorageError, match="changed while") as caught:
        ensure_present(store, checked, DEST, SyncOptions(), check_mode=False)
    assert caught.value.option == "src" and store.objects == {}


def test_versioned_keep_prunes_oldest_never_current(src, tmp_path):
    store = MemoryBackend()
    options = SyncOptions(versioned=True, keep=2, digest_length=8, grace_period=0)
    uris = []
    for content in (b"v1", b"v2", b"v3"):
        src.write_bytes(content)
        result = ensure_present(store, source(src), DEST, options, check_mode=False)
        uris.append(result["uri"])
        assert result["uri"] == f"s3://heron-packages/core/heron-core-{sha(src)[:8]}.tar.gz"
    assert result["pruned"] == [uris[0]]
    assert [v["uri"] for v in result["versions"]] == [uris[2], uris[1]]
    assert result["versions"][0]["current"] and not result["versions"][1]["current"]
    assert set(store.objects) == {uris[1], uris[2]}
    # Going back to v2 (a rollback) keeps v2 even though v3 is newer, and prunes v3 only with keep=1.
    src.write_bytes(b"v2")
    back = ensure_present(store, source(src), DEST, SyncOptions(versioned=True, keep=1, digest_length=8), False)
    assert not back["transferred_bytes"] and not back["changed"] and back["pruned"] == []
    assert set(store.objects) == {uris[1], uris[2]}


def test_versioned_check_mode_reports_pruning_without_deleting(src):
    store = MemoryBackend()
    for content in (b"a", b"b"):
        src.write_bytes(content)
        ensure_present(store, source(src), DEST, SyncOptions(versioned=True), check_mode=False)
    src.write_bytes(b"c")
    result = ensure_present(store, source(src), DEST, SyncOptions(versioned=True, keep=1, grace_period=0),
                            check_mode=True)
    assert result["changed"] and len(result["pruned"]) == 2 and store.deleted == [] and len(store.objects) == 2


def test_absent(src):
    store = MemoryBackend()
    store.add(DEST.uri, b"x")
    checked = ensure_absent(store, None, DEST, SyncOptions(), check_mode=True)
    assert checked["changed"] and DEST.uri in store.objects
    removed = ensure_absent(store, None, DEST, SyncOptions(), check_mode=False)
    assert removed["changed"] and removed["removed"] == [DEST.uri]
    assert removed["previous_sha256"] == hashlib.sha256(b"x").hexdigest()
    assert not ensure_absent(store, None, DEST, SyncOptions(), check_mode=False)["changed"]


def test_absent_versioned_all_or_one(src):
    store = MemoryBackend()
    shas = []
    for content in (b"a", b"b", b"c"):
        src.write_bytes(content)
        shas.append(ensure_present(store, source(src), DEST, SyncOptions(versioned=True), False)["uri"])
    store.add(DEST.uri, b"unversioned stays")
    one = ensure_absent(store, str(src), DEST, SyncOptions(versioned=True), check_mode=False)
    assert one["removed"] == [shas[2]]
    rest = ensure_absent(store, None, DEST, SyncOptions(versioned=True), check_mode=False)
    assert sorted(rest["removed"]) == sorted(shas[:2]) and DEST.uri in store.objects


@pytest.mark.parametrize("options, option", [
    (SyncOptions(keep=2), "keep"),
    (SyncOptions(versioned=True, keep=0), "keep"),
    (SyncOptions(overwrite="sometimes"), "overwrite"),
    (SyncOptions(versioned=True, digest_length=4), "version_digest_length"),
    (SyncOptions(versioned=True, keep=1, grace_period=-1), "grace_period"),
])
def test_invalid_options_change_nothing(src, options, option):
    store = MemoryBackend()
    with pytest.raises(InvalidInput) as caught:
        ensure_present(store, source(src), DEST, options, check_mode=False)
    assert caught.value.option == option and store.puts == []


def test_needs_upload_table():
    stored = StoredObject(Location("s3", "b", "k"), 3, "a" * 64, 0)

    def never_asked() -> str:
        raise AssertionError("the digest of src was not needed here")

    assert needs_upload(None, 3, "different", never_asked) is True
    assert needs_upload(stored, 4, "different", never_asked) is True
    assert needs_upload(StoredObject(stored.location, 3, None, 0), 3, "different", never_asked) is True
    assert needs_upload(stored, 3, "different", lambda: "a" * 64) is False
    assert needs_upload(stored, 3, "different", lambda: "b" * 64) is True
    assert needs_upload(stored, 3, "always", never_asked) is True
    assert needs_upload(stored, 4, "never", never_asked) is False


def test_overwrite_never_in_check_mode_reports_what_is_stored(src):
    store = MemoryBackend()
    store.add(DEST.uri, b"something else")
    result = ensure_present(store, source(src), DEST, SyncOptions(overwrite="never"), check_mode=True)
    assert not result["changed"] and result["sha256"] == hashlib.sha256(b"something else").hexdigest()
    assert result["diff"]["before"] == result["diff"]["after"]


@pytest.mark.parametrize("ages, keep, grace, pruned", [
    # Ages (seconds before the version of src, by the store's times) of the other versions, newest first.
    ((10, 20, 30), 1, 0, [0, 1, 2]),
    ((10, 20, 30), 1, 15, [1, 2]),      # a version within the grace period may be another run's: kept
    ((10, 20, 30), 2, 15, [1, 2]),      # beyond keep and old enough
    ((10, 20, 30), 3, 0, [2]),
    ((100, 200), 1, 3600, []),          # nothing is older than the grace period
    ((-5, 100), 1, 50, [1]),            # a newer version (a concurrent publish, or a rollback) is never pruned
    ((-5000, -100), 1, 0, []),
])
def test_pruning_spares_what_is_younger_than_the_grace_period(src, ages, keep, grace, pruned):
    store = MemoryBackend()
    current = f"s3://heron-packages/core/heron-core-{sha(src)[:16]}.tar.gz"
    store.add(current, src.read_bytes())
    now = store.objects[current][2]
    others = [f"s3://heron-packages/core/heron-core-{index:016x}.tar.gz" for index in range(len(ages))]
    for uri, age in zip(others, ages):
        store.objects[uri] = (b"other", None, now - age)
    result = ensure_present(store, source(src), DEST, SyncOptions(versioned=True, keep=keep, grace_period=grace),
                            check_mode=False)
    assert result["pruned"] == [others[index] for index in pruned]
    assert set(store.objects) == {current} | {uri for index, uri in enumerate(others) if index not in pruned}
    assert result["versions"][0]["uri"] == current and result["changed"] == bool(pruned)


def test_leftovers_of_the_destination_or_its_versions_are_removed_after_an_upload(src):
    store = MemoryBackend()
    ensure_present(store, source(src), DEST, SyncOptions(grace_period=60), check_mode=False)
    assert store.leftovers_removed == [(DEST.uri, r"^heron\-core\.tar\.gz$", 60)]
    ensure_present(store, source(src), DEST, SyncOptions(grace_period=60), check_mode=False)  # nothing sent
    ensure_present(store, source(src), DEST, SyncOptions(versioned=True), check_mode=True)
    assert len(store.leftovers_removed) == 1
    listings = store.listings
    versioned = ensure_present(store, source(src), DEST, SyncOptions(versioned=True), check_mode=False)
    location, names, age = store.leftovers_removed[1]
    assert parse_dest(location).directory == parse_dest(versioned["uri"]).directory and age == 3600
    assert re.match(names, "heron-core-0123456789abcdef.tar.gz")
    assert store.listings == listings + 1, "one listing of the directory serves the versions and the leftovers"
