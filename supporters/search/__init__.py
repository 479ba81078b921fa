"""The console's global search: requests by reference, resident name or contact; supporters."""
