"""Paying stipends: bank details, the Zengin transfer file, CSV/XLSX exports, recorded transfers."""
