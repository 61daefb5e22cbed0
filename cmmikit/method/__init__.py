"""The appraisal method: SCAMPI A rating, coverage, outlook, SCAMPI B/C assessment, findings, comparison."""
