"""The supporter registry: list, register, edit, and move supporters through their lifecycle."""
