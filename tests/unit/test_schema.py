from __future__ import annotations

from singleview.schema import ISSUE_COLUMNS, QUARANTINE_COLUMNS, empty_issues, empty_quarantine


def test_empty_frames_have_the_columns_and_are_new_each_time() -> None:
    quarantine, issues = empty_quarantine(), empty_issues()
    assert tuple(quarantine.columns) == QUARANTINE_COLUMNS and quarantine.empty
    assert tuple(issues.columns) == ISSUE_COLUMNS and issues.empty
    assert str(issues["count"].dtype) == "int64"
    assert all(quarantine[c].dtype == object for c in QUARANTINE_COLUMNS)
    # Built from one template each: a caller adding to its frame changes no other.
    quarantine.loc[0] = ["crm", "1", "missing_source_id", 0]
    issues["extra"] = 1
    assert empty_quarantine().empty
    assert "extra" not in empty_issues().columns
