"""The yearly continuation check and the lapse list (who is really still active)."""
