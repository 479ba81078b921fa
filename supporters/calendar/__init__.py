"""Calendars of assignments: the coordinators' week/month view with clashes, the supporter's own
week on the phone, and a private iCal feed per supporter."""
