"""Reference data views: municipalities and languages."""
