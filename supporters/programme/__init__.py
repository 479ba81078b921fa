"""The programme's own settings: kept in the database, edited by an admin, read by everyone.

``settings.current()`` is what every other area reads (no query per page: it rides on the
reference data's per-process copy); ``service.py`` is the one validator and writer; ``routes.py``
the console pages (settings with their history, the first-run page); ``cli.py``
``flask programme init | show``.
"""
