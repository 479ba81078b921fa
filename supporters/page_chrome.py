"""What every page's frame carries: the language switcher, the sign-out button, the navigation.

Both are plain POST forms. Building them as WTForms forms on every page cost more than the rest
of a small page (two forms, a twelve-option select, WTForms' own catalogue loaded per request),
so the frame writes them from:

- the request's CSRF token (Flask-WTF's ``generate_csrf``, the very token a FlaskForm would
  render: it is cached for the request, so every form on a page carries the same one);
- the switcher's ``<select>``, rendered by the real :class:`~supporters.main.forms.LanguageForm`
  once per process for each (audience, selected language): its options are the fixed language
  names, so the markup depends on nothing else. The set is small (2 audiences × 12 languages).

``POST /language`` still validates with ``LanguageForm`` and ``POST /logout`` with ``PostForm``;
only the rendering moved here. The console's navigation is kept the same way, per (role,
language, mount point): ``templates/_console_nav.html``; the supporter's tab bar per (page,
language, mount point): ``templates/portal/_nav.html``.
"""

from functools import cached_property

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from supporters import i18n

_SELECTS: dict[tuple[bool, str], Markup] = {}
_NAVS: dict[tuple[str, str, str], Markup] = {}
_PORTAL_NAVS: dict[tuple[str | None, str, str], Markup] = {}


class PageForms:
    """The frame's forms for one render; each part is built only if the page shows it."""

    @cached_property
    def csrf_field(self) -> Markup:
        """The hidden CSRF input (as ``form.csrf_token(id=False)`` renders it)."""
        return Markup('<input name="csrf_token" type="hidden" value="%s">') % generate_csrf()

    @cached_property
    def next_field(self) -> Markup:
        """The switcher's hidden ``next``: back to this page after the language changes."""
        path = request.full_path.rstrip("?")
        return Markup('<input name="next" type="hidden" value="%s">') % path

    @cached_property
    def language_select(self) -> Markup:
        """The switcher's ``<select id="ui-language">`` with the current language selected."""
        key = (i18n.is_supporter(current_user), i18n.current_locale())
        markup = _SELECTS.get(key)
        if markup is None:
            from supporters.main.forms import LanguageForm

            form = LanguageForm(formdata=None, language=key[1], meta={"csrf": False})
            markup = _SELECTS[key] = Markup(form.language(id="ui-language", class_="js-autosubmit"))
        return markup

    @cached_property
    def console_nav(self) -> Markup:
        """The console's main navigation for the signed-in role (``_console_nav.html``).

        Its links and labels depend only on the role, the language and where the app is
        mounted, so it is rendered once per process for each and kept.
        """
        role = current_user.role.value
        key = (role, i18n.current_locale(), request.script_root)
        markup = _NAVS.get(key)
        if markup is None:
            template = current_app.jinja_env.get_template("_console_nav.html")
            markup = _NAVS[key] = Markup(template.render(role=role))
        return markup

    @cached_property
    def portal_nav(self) -> Markup:
        """The supporter's tab bar with this page's tab marked (``portal/_nav.html``).

        Its links and labels depend only on the page, the language and where the app is
        mounted, so it is rendered once per process for each and kept.
        """
        key = (request.endpoint, i18n.current_locale(), request.script_root)
        markup = _PORTAL_NAVS.get(key)
        if markup is None:
            from supporters.portal.settings import portal_layout

            template = current_app.jinja_env.get_template("portal/_nav.html")
            context = {**portal_layout(), "current_endpoint": request.endpoint}
            markup = Markup(template.render(context))
            _PORTAL_NAVS[key] = markup
        return markup
