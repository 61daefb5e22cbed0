"""The snapshot copy deliverables are made from: findings refreshed, the appraisal only read."""

from __future__ import annotations

import hashlib

from cmmikit.snapshot import synced_copy


def test_synced_copy_refreshes_findings_without_touching_the_source(appraisal):
    appraisal.update_record("CM", "SP 1.1", "Unit A", characterization="PI", weaknesses="No CM plan.")
    appraisal.close()
    before = hashlib.sha256(appraisal.path.read_bytes()).hexdigest()
    with synced_copy(appraisal.path) as copy:
        assert [f.statement for f in copy.findings()] == ["Unit A: No CM plan."]
        folder = copy.path.parent
        assert copy.path != appraisal.path
    assert not folder.exists()
    assert hashlib.sha256(appraisal.path.read_bytes()).hexdigest() == before


def test_synced_copy_of_an_open_appraisal(demo):
    n = len(demo.findings())
    demo.update_record("MA", "SP 1.1", "Service Desk", weaknesses="A new weakness nobody synced.")
    with synced_copy(demo) as copy:
        assert any("nobody synced" in f.statement for f in copy.findings())
    assert len(demo.findings()) == n
