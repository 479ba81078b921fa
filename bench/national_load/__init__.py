"""The national load test (issue #17): Locust against gunicorn, PostgreSQL and the Huey worker.

``run.py`` starts everything, steps the user count and writes the summary; ``data.py`` builds the
data set; ``locustfile.py`` is the user mix. See docs/benchmarks.md, "National load test".
"""
