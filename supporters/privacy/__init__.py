"""Residents' rights (APPI Art. 33–35) and retention: find, export, correct, anonymise.

``records`` finds a resident and gathers everything held about them, ``service`` corrects and
anonymises (the one anonymisation used by the console and by retention), ``export`` builds the
JSON, the readable Japanese page and the PDF, ``retention`` decides what the period has ended
for, ``routes`` is the console at /privacy/residents, ``cli`` is ``flask privacy purge``.
"""
