"""Account links and passwords: invitations, password reset and change, for staff and supporters."""
