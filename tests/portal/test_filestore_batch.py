"""Storing a batch of uploads at once: every file kept by content hash, duplicates in a batch included."""

from __future__ import annotations

from portal.core import filestore


def test_a_batch_with_repeated_files_stores_each_content_once_and_answers_in_order(tmp_path):
    datas = [b"first", b"second", b"first", *(bytes([i]) * 100 for i in range(20)), b"second"]

    stored = filestore.store_many(tmp_path, datas)

    assert [digest for digest, _ in stored] == [filestore.content_hash(d) for d in datas]
    assert stored[0] == stored[2] and stored[1] == stored[-1]
    for data, (digest, path) in zip(datas, stored, strict=True):
        assert path.read_bytes() == data
        assert filestore.load(tmp_path, digest) == data
    kept = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(kept) == 22  # 2 repeated + 20 distinct, and no temporary file left behind
