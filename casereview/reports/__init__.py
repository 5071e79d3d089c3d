"""Reports on whom the policy protects: disclosure control, the transparency report and the internal report.

`disclosure` is pure (no database); the PDF and CSV builders take aggregates the services computed in SQL."""
