"""The snapshot copy deliverables are made from: findings refreshed, the appraisal only read."""

from __future__ import annotations


from cmmikit.method.snapshot import synced_copy


def test_synced_copy_refreshes_findings_without_touching_the_source(appraisal):
    from cmmikit.store import Appraisal

    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="PI", weaknesses="No CM plan.")
    address, before = appraisal.address, appraisal.dump()
    appraisal.close()
    file_bytes = appraisal.path.read_bytes() if appraisal.location.is_file else None
    with synced_copy(address) as copy:
        assert [f.statement for f in copy.findings()] == ["Unit A: No CM plan."]
        folder = copy.path.parent
        assert copy.address != address
    assert not folder.exists()
    with Appraisal.open(address) as again:
        assert again.dump() == before
    if file_bytes is not None:
        assert appraisal.path.read_bytes() == file_bytes


def test_synced_copy_of_an_open_appraisal(demo):
    n = len(demo.findings())
    demo.update_record("MA", "SP 1.1", "Service Desk", weaknesses="A new weakness nobody synced.")
    with synced_copy(demo) as copy:
        assert any("nobody synced" in f.statement for f in copy.findings())
    assert len(demo.findings()) == n
