"""A national day's peak for Locust: supporters, coordinators and officials at their usual work.

``LOAD_ACCOUNTS`` names the accounts file of ``data.py``; ``LOAD_RESULTS`` where to write every
request (start, task, ms, failed) as JSON when Locust stops, for ``run.py``'s summary;
``LOAD_WAIT`` the think time in seconds between two actions of one person ("2,6"); ``LOAD_MIX``
"full" (default) or "core" (see ``MIX``). The mix
(weights of the user classes and tasks below): supporter page views, case logs through the web
form (CSRF) and through the API (a token), the coordinators' queue, a request's page (matching)
and sending an offer (the outbox → the job worker), the officials' report downloads.

Every account belongs to a ``programme`` (a prefecture's, as the accounts file says): what a
user sees is scoped to it by the app, and a coordinator's requests to match and offer are drawn
from their programme's open requests. The app runs in its production configuration behind a
pretend TLS proxy: cookies are kept by hand (they are ``Secure``), and form posts carry a
same-site Referer.
"""

import html.parser
import itertools
import json
import os
import random
import re
import time
import uuid
from datetime import date, timedelta

from locust import HttpUser, between, events, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())
PASSWORD = ACCOUNTS["password"]
WAIT = [float(x) for x in os.environ.get("LOAD_WAIT", "2,6").split(",")]
# "full": the mix as described; "core": the coordinators' queue from the dashboard (20 rows) and
# no report downloads — the two pages that do not scale to a national data set yet.
MIX = os.environ.get("LOAD_MIX", "full")
# Shares of supporters, coordinators and officials among the users ("80,15,5").
SHARES = [int(x) for x in os.environ.get("LOAD_SHARES", "80,15,5").split(",")]
PROXY = {"X-Forwarded-Proto": "https"}
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECORDS: list[tuple[float, str, float, bool]] = []
_sources = itertools.count(1)
_turns: dict[str, itertools.count] = {}


@events.request.add_listener
def _record(request_type, name, response_time, exception, start_time=None, **_kw):
    RECORDS.append((start_time or time.time(), name, response_time, exception is not None))


@events.quitting.add_listener
def _write(environment, **_kw):
    if path := os.environ.get("LOAD_RESULTS"):
        with open(path, "w", encoding="utf-8") as out:
            json.dump(RECORDS, out)


def pick_account(role: str, programme: str | None = None) -> dict:
    """The next account of ``role`` (in ``programme``, when given), round-robin."""
    pool = [a for a in ACCOUNTS[role] if programme in (None, a["programme"])]
    turn = _turns.setdefault(f"{role}:{programme}", itertools.count())
    return pool[next(turn) % len(pool)]


class FormValues(html.parser.HTMLParser):
    """What a browser submits from the first form on a page: inputs with their values,
    checked radios and boxes, selected options (or a select's first option)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.values, self._select, self._form = action, {}, None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("action") or self.action).split("?")[0].endswith(self.action):
            self._form = True
        if not self._form or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("radio", "checkbox") and "checked" not in a:
                return
            self.values[a["name"]] = a.get("value", "on")
        elif tag == "textarea":
            self.values[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and self._select:
            if "selected" in a or self._select not in self.values:
                self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "form":
            self._form = False


class Person(HttpUser):
    """Someone signed in through the login form, from their own address."""

    abstract = True
    role = ""
    wait_time = between(*WAIT)

    def on_start(self):
        n = next(_sources)
        self.headers = {
            **PROXY,
            "X-Forwarded-For": f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
        }
        self.jar: dict[str, str] = {}
        self.account = pick_account(self.role)
        page = self.call("GET", "/login", "sign-in form")
        self.call(
            "POST",
            "/login",
            "sign-in",
            expect=(302, 303),
            data={
                "csrf_token": self.csrf(page),
                "email": self.account["email"],
                "password": PASSWORD,
            },
        )

    def call(self, method: str, path: str, name: str, expect=(200,), **kwargs):
        """One request; fails unless its status is in ``expect`` (a redirect to the sign-in
        page is a failure, not a success)."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        if method == "POST":
            headers.setdefault("Referer", f"https://{self.host.split('://')[1]}{path}")
        with self.client.request(
            method,
            path,
            name=name,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as answer:
            self.jar.update(answer.cookies.items())
            if answer.status_code not in expect:
                answer.failure(f"{answer.status_code} (wanted {expect})")
            else:
                answer.success()  # an expected 4xx (a refused race) is not a failure
            return answer

    @staticmethod
    def csrf(page) -> str:
        found = CSRF.search(page.text or "")
        return found.group(1) if found else ""


class Supporter(Person):
    """A supporter between assignments: their home, offers and log, and logging cases."""

    role = "supporters"
    weight = SHARES[0]

    @task(6)
    def home(self):
        self.call("GET", "/me/", "supporter: home")

    @task(2)
    def offers(self):
        self.call("GET", "/me/offers/", "supporter: offers")

    @task(2)
    def case_list(self):
        self.call("GET", "/me/log/", "supporter: case log")

    @task(2)
    def log_case_form(self):
        page = self.call("GET", "/me/log/new", "supporter: case form")
        parsed = FormValues("/me/log/new")
        parsed.feed(page.text or "")
        form = {**parsed.values, "outcome": "resolved"}
        self.call("POST", "/me/log/new", "supporter: log case (form)", expect=(302, 303), data=form)

    @task(1)
    def log_case_api(self):
        token = self.account.get("token")
        if not token:
            return self.log_case_form()
        today = date.today()
        case = {
            "happened_on": (today - timedelta(days=random.randrange(3))).isoformat(),
            "duration_minutes": random.choice([30, 60, 90]),
            "category": random.choice(["government_office", "daily_life", "childcare"]),
            "mode": "phone",
            "municipality_code": self.account["home"],
            "outcome": "resolved",
            "client_token": uuid.uuid4().hex,
        }
        self.call(
            "POST",
            "/api/v1/activities",
            "supporter: log case (API)",
            expect=(201,),
            json=case,
            headers={"Authorization": f"Bearer {token}"},
        )


class Coordinator(Person):
    """A coordinator working the queue: the list, a request's ranked candidates, an offer."""

    role = "coordinators"
    weight = SHARES[1]

    @task(3)
    def queue(self):
        if MIX == "full":
            self.call("GET", "/requests/", "coordinator: queue (request list)")
        else:
            self.call("GET", "/dashboard/", "coordinator: queue (dashboard)")

    def open_request(self) -> int | None:
        """One of the open requests of the coordinator's programme (None if it has none)."""
        mine = ACCOUNTS["open_requests"].get(self.account["programme"])
        return random.choice(mine) if mine else None

    @task(3)
    def match(self):
        request_id = self.open_request()
        if request_id is None:
            return self.queue()
        self.call("GET", f"/requests/{request_id}", "coordinator: request + matching")

    @task(1)
    def offer(self):
        request_id = self.open_request()
        if request_id is None:
            return self.queue()
        page = self.call("GET", f"/requests/{request_id}", "coordinator: request + matching")
        ids = re.findall(r'name="supporter_ids" value="(\d+)"', page.text or "")
        if not ids or "/offers" not in (page.text or ""):
            return  # nobody to offer it to (or it is assigned already)
        # 409: another coordinator offered the same supporter, or a supporter took the request,
        # between this page and the button — the app refuses it correctly; a 5xx still fails.
        self.call(
            "POST",
            f"/requests/{request_id}/offers",
            "coordinator: send offer",
            expect=(302, 303, 409),
            data={"csrf_token": self.csrf(page), "supporter_ids": ids[0]},
        )


class Official(Person):
    """A prefectural official downloading the monthly report."""

    role = "officials"
    weight = SHARES[2]

    @task(2)
    def reports(self):
        self.call("GET", "/reports/", "official: reports page")

    @task(1)
    def download(self):
        if MIX != "full":
            return  # the "core" mix leaves out the report (docs/benchmarks.md says why)
        month = random.choice(ACCOUNTS["report_months"])
        self.call("GET", f"/reports/monthly/{month}.csv", "official: report download (CSV)")
