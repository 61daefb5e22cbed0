"""Deliverables: the gap workbook, the report, the findings deck, the charts, and their xlsx/pptx helpers."""
