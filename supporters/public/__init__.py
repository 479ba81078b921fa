"""Public pages for residents (no account): ask for a supporter, in nine languages."""
