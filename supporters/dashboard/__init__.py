"""The console's front page: the programme's real figures at a glance."""
