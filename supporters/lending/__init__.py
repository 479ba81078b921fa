"""Lending supporters across programmes for remote help ([6/6]): consents and proposals."""
