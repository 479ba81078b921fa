"""The supporter's own pages (the mobile web grows here)."""
