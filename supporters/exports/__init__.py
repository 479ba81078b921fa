"""Exporting the importable tables to CSV (UTF-8 with BOM) and XLSX, ready to re-import."""
