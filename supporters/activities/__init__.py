"""The case log: what supporters did, logged from their phones and read by the coordinators."""
