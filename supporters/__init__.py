"""Yorisoi: coordinating volunteer native-language supporters for foreign residents."""

from flask import Flask, jsonify, render_template
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from supporters import config as config_module


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides the environment (tests pass their own)."""
    app = Flask(
        __name__,
        template_folder=str(config_module.ROOT / "templates"),
        static_folder=str(config_module.ROOT / "static"),
        instance_path=str(config_module.INSTANCE_DIR),
    )
    app.config.from_mapping(config_module.from_environment())
    if config:
        app.config.from_mapping(config)
    from supporters import links, ops

    ops.init_app(app)  # production without SECRET_KEY refuses; request ids, logs, /healthz
    links.init_app(app)  # a production app without a real BASE_URL refuses to start

    if app.config.get("TRUST_PROXY_HOPS"):
        # Behind a reverse proxy, take the client address (for rate limits) from X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUST_PROXY_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_extensions(app)
    _register_blueprints(app)
    from supporters import api

    api.init_app(app)
    _register_error_handlers(app)
    _register_template_helpers(app)

    from supporters import cli, safety

    safety.init_app(app)
    cli.init_app(app)
    from supporters.continuation import cli as continuation_cli
    from supporters.help_requests import cli as requests_cli
    from supporters.notify import cli as notify_cli
    from supporters.stipends import cli as stipends_cli

    requests_cli.init_app(app)
    notify_cli.init_app(app)
    continuation_cli.init_app(app)
    stipends_cli.init_app(app)
    from supporters.reports import cli as reports_cli

    reports_cli.init_app(app)
    from supporters.imports import cli as imports_cli

    imports_cli.init_app(app)
    from supporters.privacy import cli as privacy_cli

    privacy_cli.init_app(app)
    from supporters.reference import cli as reference_cli

    reference_cli.init_app(app)
    from supporters.programme import cli as programme_cli

    programme_cli.init_app(app)
    from supporters import jobs
    from supporters.jobs import cli as jobs_cli

    jobs.init_app(app)
    jobs_cli.init_app(app)
    from supporters.notify import webpush

    webpush.init_app(app)
    from supporters.transactions import commit_on_success

    app.after_request(commit_on_success)
    return app


def _init_extensions(app: Flask) -> None:
    from supporters import i18n, models  # noqa: F401  (models must be imported for metadata)
    from supporters.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.install_template_gettext(app)  # after Flask-Babel's, which it replaces

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    from supporters.auth.sessions import load_session_user

    login_manager.user_loader(load_session_user)

    @login_manager.unauthorized_handler
    def unauthorized():
        from flask import redirect, request, url_for

        from supporters.access import wants_json

        if wants_json():
            return _json_error(401, "unauthorized", _("Sign-in required."))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _register_blueprints(app: Flask) -> None:
    from supporters.accounts.routes import bp as accounts_bp
    from supporters.activities.routes import bp as activities_bp
    from supporters.audit_trail.routes import bp as audit_trail_bp
    from supporters.auth.routes import bp as auth_bp
    from supporters.calendar import portal as calendar_portal  # noqa: F401  (/me/calendar)
    from supporters.calendar.routes import bp as calendar_bp
    from supporters.channel_status.routes import bp as channels_bp
    from supporters.continuation.routes import bp as continuation_bp
    from supporters.coverage.routes import bp as coverage_bp
    from supporters.credentials import email_routes  # noqa: F401  (/account/email/…)
    from supporters.credentials.routes import bp as credentials_bp
    from supporters.dashboard.routes import bp as dashboard_bp
    from supporters.exports.routes import bp as exports_bp
    from supporters.help_requests.bulk_routes import bp as bulk_actions_bp
    from supporters.help_requests.routes import bp as help_requests_bp
    from supporters.imports.routes import bp as imports_bp
    from supporters.input_guard import IdConverter
    from supporters.jobs.routes import bp as jobs_bp
    from supporters.main.routes import bp as main_bp
    from supporters.national.routes import bp as national_bp
    from supporters.notify.action_routes import bp as actions_bp
    from supporters.notify.line_webhook import bp as line_bp
    from supporters.notify.routes import bp as notifications_bp
    from supporters.payments.routes import bp as payments_bp
    from supporters.portal import (  # noqa: F401  (portal views)
        bank,
        cases,
        contact,
        continuation,
        messages,
        offline,
        presets,
        settings,
    )
    from supporters.portal.routes import bp as portal_bp
    from supporters.privacy.routes import bp as privacy_bp
    from supporters.programme.routes import bp as programme_bp
    from supporters.public import status as public_status  # noqa: F401  (the status page)
    from supporters.public.routes import bp as public_bp
    from supporters.reference.routes import bp as reference_bp
    from supporters.registry.routes import bp as registry_bp
    from supporters.reports.routes import bp as reports_bp
    from supporters.search.routes import bp as search_bp
    from supporters.stipends.months import MonthConverter
    from supporters.stipends.routes import bp as stipends_bp
    from supporters.training.routes import bp as training_bp

    app.url_map.converters["month"] = MonthConverter
    app.url_map.converters["int"] = IdConverter  # ids beyond the database's integers are 404s
    for blueprint in (
        main_bp,
        auth_bp,
        dashboard_bp,
        registry_bp,
        reference_bp,
        portal_bp,
        help_requests_bp,
        public_bp,
        notifications_bp,
        activities_bp,
        training_bp,
        continuation_bp,
        stipends_bp,
        payments_bp,
        reports_bp,
        coverage_bp,
        imports_bp,
        exports_bp,
        privacy_bp,
        accounts_bp,
        credentials_bp,
        audit_trail_bp,
        jobs_bp,
        channels_bp,
        actions_bp,
        line_bp,
        programme_bp,
        bulk_actions_bp,
        search_bp,
        calendar_bp,
        national_bp,
    ):
        app.register_blueprint(blueprint)


def _json_error(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"code": code, "message": message, "fields": fields or {}, **extra}
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _register_error_handlers(app: Flask) -> None:
    from flask_wtf.csrf import CSRFError

    from supporters.access import wants_json

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        message = _("The form had expired or was sent from elsewhere. Please try again.")
        if wants_json():
            return _json_error(400, "csrf", message)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if (error.code or 500) >= 500:
            from supporters.extensions import db

            # First: a failed flush leaves the session unusable, and even choosing the
            # language of the message below reads the signed-in user.
            db.session.rollback()
        messages = {
            400: _("The request could not be understood."),
            401: _("Sign-in required."),
            403: _("You do not have permission to see this page."),
            404: _("This page does not exist, or you are not allowed to see it."),
            405: _("This action is not allowed here."),
            413: _("The upload is too large."),
            422: _("Please correct the marked fields."),
            429: _("Too many attempts. Please wait a few minutes and try again."),
            500: _("Something went wrong on our side. Please try again later."),
        }
        message = messages.get(error.code, error.description or "")
        if wants_json():
            from supporters.api.errors import error_fields, extra_body, retry_after

            # API views and webargs attach details (code, message, fields) as ``error.data``.
            data = getattr(error, "data", None) or {}
            code = data.get("code") or (error.name or "error").lower().replace(" ", "_")
            if error.code == 422 and not data.get("code"):
                code = "invalid"
            message = data.get("message") or message
            response = _json_error(
                error.code or 500, code, message, error_fields(data), **extra_body(data)
            )
            if getattr(error, "valid_methods", None):
                response.headers["Allow"] = ", ".join(error.valid_methods)
            if error.code == 429:  # every rate-limited API answer says when to try again
                response.headers["Retry-After"] = str(retry_after(error))
            for name, value in (data.get("headers") or {}).items():
                response.headers[name] = value
            return response
        page = "auth/login.html" if error.code == 429 and _is_login_post() else None
        if page:
            from supporters.auth.forms import LoginForm

            return render_template(page, form=LoginForm(), error=message), 429
        return render_template("errors/error.html", status=error.code, message=message), error.code


def _is_login_post() -> bool:
    from flask import request

    return request.endpoint == "auth.login" and request.method == "POST"


def _register_template_helpers(app: Flask) -> None:
    from supporters import i18n

    app.jinja_env.globals.update(
        localized_name=i18n.localized_name,
        country_name=i18n.country_name,
        current_locale=i18n.current_locale,
        html_lang=i18n.html_lang,
        locale_names=i18n.LOCALE_NAMES,
        list_sep=i18n.list_sep,
    )
    app.jinja_env.filters["ruby"] = i18n.ruby  # furigana on Easy Japanese pages only
    from supporters import counters

    # Counted numbers read right on Easy Japanese pages (30分 ぷん, 2日 ふつか, 1人 ひとり).
    app.jinja_env.globals.update(
        duration_text=counters.duration,
        about_duration=counters.about_duration,
        people_reached=counters.people_reached,
        day_count=counters.day_count,
        yen_amount=counters.yen,
    )
    from supporters import wareki

    # Months and fiscal years as staff read them (2025年4月, 2026年度（令和8年度）), not ISO.
    app.jinja_env.globals.update(
        month_label=wareki.month_label,
        month_short=wareki.month_short,
        date_label=wareki.date_label,
        fiscal_year_text=wareki.fiscal_year_text,
    )
    from supporters.programme.settings import current as programme_settings

    # The office's phone and e-mail, in the same place on every resident and supporter page
    # (WCAG 3.2.6 consistent help; templates/_help_contact.html).
    app.jinja_env.globals["programme_settings"] = programme_settings

    from supporters.page_chrome import PageForms

    @app.context_processor
    def page_forms():
        """Forms every page carries: the language switcher and the sign-out button."""
        return {"page_forms": PageForms(), "unread_notifications": _unread_notifications}


def _unread_notifications() -> int:
    """How many unread notifications the signed-in user has (for the link in the header)."""
    from flask import g
    from flask_login import current_user

    from supporters.notify.inbox import unread_count

    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:  # the header and a page may both show it: count once
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications
