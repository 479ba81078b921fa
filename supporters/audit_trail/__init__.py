"""The admins' audit trail viewer at /audit/: list, filter and export; never edit or delete."""
