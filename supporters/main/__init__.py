"""The front door: home redirect, language switching, health check."""
