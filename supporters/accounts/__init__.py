"""User accounts: whether an account may be used now, and the admins' accounts console."""
