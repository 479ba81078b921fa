"""Every action the code writes to the audit trail has words in the trail's page.

The trail stores codes; a code without a label shows up raw ("language_retired") to the
coordinator reading it. This reads the source for every action written, including the
f-string families (``request_{status}``, ``import_{kind}`` …), so a new one cannot be forgotten.
"""

import re
from pathlib import Path

from supporters.audit_trail.labels import ACTION_LABELS
from supporters.imports.kinds import IMPORTERS
from supporters.models import RequestStatus

SOURCE = Path(__file__).resolve().parent.parent / "supporters"
LITERAL = re.compile(r"audit\.record(?:_read)?\(\s*\"([a-z_]+)\"")
# The families written with an f-string, and every value their placeholder takes.
FAMILIES = {
    "request_": [status.value for status in RequestStatus],
    "import_": list(IMPORTERS),
    "outbox_": ["retry", "discard"],
    "job_": ["retry", "discard"],
    "stipend_month_": ["closed", "reclosed"],
}


def _written_actions() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        found.update(LITERAL.findall(path.read_text(encoding="utf-8")))
    for prefix, values in FAMILIES.items():
        found.update(prefix + value for value in values)
    return found


def test_every_audited_action_has_a_label():
    missing = sorted(_written_actions() - set(ACTION_LABELS))
    assert not missing, f"audit actions without words in audit_trail/labels.py: {missing}"
