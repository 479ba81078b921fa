"""Work that runs by itself: a job queue (Huey), a worker, and scheduled work in JST.

- ``queue.py`` builds the app's Huey from one setting, ``JOBS_BACKEND``: ``sqlite`` (the
  embedded default, a file in instance/, no extra server), ``redis`` (several machines;
  ``JOBS_URL``), or ``memory`` (tests). It registers every job, retries
  failures with back-off and writes the last failure to the dead-letter list (:class:`JobFailure`).
- ``work.py`` is the list of jobs: what each does is its area's function; a job only opens the
  app context, commits, and is safe to run twice.
- ``schedule.py`` decides, every minute, which scheduled work is due (times in JST, from
  ``SCHEDULE``) and runs each at most once per period (:class:`ScheduledRun`).
- ``cli.py``: ``flask worker`` (the consumer), ``flask jobs …``; ``routes.py``: the console's
  "Background work" page (heartbeats, runs, dead letters with retry and discard).
"""

from supporters.jobs.queue import enqueue, init_app, job_queue

__all__ = ["enqueue", "init_app", "job_queue"]
