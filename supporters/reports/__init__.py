"""The monthly report for officials: figures (``monthly``), suppression, charts and formats."""
