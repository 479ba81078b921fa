"""Training cohorts, sessions and attendance hours, and the printed certificate."""
