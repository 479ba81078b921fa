"""Importing tables (CSV) all or nothing: municipalities, supporters, residents, activities."""
