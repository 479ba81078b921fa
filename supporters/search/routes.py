"""The search page behind the console header's search box (``/search/?q=``)."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from supporters.access import can_search_supporters, search_required
from supporters.help_requests import labels, policy
from supporters.i18n import translated_labels
from supporters.search.service import MAX_QUERY, search

bp = Blueprint("search", __name__, url_prefix="/search")


@bp.app_context_processor
def search_box():
    """The header asks ``can_search`` whether to show the box."""
    from supporters.access import can_search

    return {"can_search": can_search}


@bp.get("/")
@search_required
def index():
    """Results for ``?q=``; each request shown with personal fields is audited (field policy)."""
    found = search(request.args.get("q", ""), current_user)
    fields = policy.read_requests(found.requests) if found.requests else {}
    return render_template(
        "search/index.html",
        found=found,
        fields=fields,
        max_query=MAX_QUERY,
        show_supporters=can_search_supporters(current_user),
        REQUEST_STATUS_LABELS=translated_labels(labels.REQUEST_STATUS_LABELS),
        CATEGORY_LABELS=translated_labels(labels.CATEGORY_LABELS),
        language_label=labels.language_label,
        municipality_label=labels.municipality_label,
    )
