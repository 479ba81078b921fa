"""Which messages can a supporter or a resident reach? Derived from the code, not a hand list.

The completeness tests (tests/test_portal_i18n.py, tests/test_public_form.py) start from the
*entry points* of a reader — the view modules of their pages and the templates those pages
render — and follow what the code actually uses:

- a Python entry module is read whole; every name it uses that is imported from another
  ``supporters`` module is followed to its definition there (a class, a function, a constant),
  and the names *that* definition uses are followed in turn. So ``from
  supporters.help_requests.forms import DeclineForm`` brings the decline form's labels (and
  the decline reasons it lists) in, but not the coordinators' intake form of the same file;
- a module imported as a module (``from supporters.help_requests import offers``) is read whole;
- a template is read whole, with every template it extends, includes or imports, and every
  template an entry module renders (``render_template("portal/x.html")``).

A message defined anywhere a reader's page reaches is therefore checked, wherever it lives.
"""

import ast
import io
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.messages.extract import extract

from supporters.config import ROOT

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
TEMPLATE_NAME = re.compile(r"""["']([\w/.-]+\.(?:html|txt))["']""")
TEMPLATE_LINK = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+["']([\w/.-]+)["']""")

# A message: (context or None, msgid) — the msgid of a plural is its singular.
Message = tuple[str | None, str]


def _module_path(dotted: str) -> Path | None:
    base = Path(ROOT, *dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


@cache
def _parsed(path: Path) -> tuple[str, ast.Module]:
    source = path.read_text(encoding="utf-8")
    return source, ast.parse(source)


def _definitions(path: Path) -> dict[str, ast.AST]:
    """Top-level classes, functions and assignments of a module, by name."""
    found = {}
    for node in _parsed(path)[1].body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for name in ast.walk(target):
                    if isinstance(name, ast.Name):
                        found[name.id] = node
    return found


def _imports(path: Path) -> dict[str, tuple[Path, str | None]]:
    """Local names bound to our own code: name → (module file, name there or None = module)."""
    bound = {}
    for node in ast.walk(_parsed(path)[1]):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith("supporters"):
                continue
            for alias in node.names:
                submodule = _module_path(f"{node.module}.{alias.name}")
                module = _module_path(node.module)
                if submodule is not None:
                    bound[alias.asname or alias.name] = (submodule, None)
                elif module is not None:
                    bound[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("supporters") and alias.asname:
                    module = _module_path(alias.name)
                    if module is not None:
                        bound[alias.asname] = (module, None)
    return bound


def _messages_in(source: str) -> set[Message]:
    found = set()
    for _line, message, _comments, context in extract(
        "python", io.BytesIO(source.encode("utf-8")), keywords=KEYWORDS
    ):
        found.add((context, message[0] if isinstance(message, tuple) else message))
    return found


class Reach:
    """The messages and templates reachable from some entry modules and templates."""

    def __init__(self, stop: Iterable[str] = ()) -> None:
        # Folders or files ("supporters/notify", "templates/base.html") not followed: words
        # read by someone else.
        self.stop = tuple(stop)
        self.messages: set[Message] = set()
        self.origin: dict[Message, str] = {}  # where a message was first found, for failures
        self.templates: set[str] = set()
        self.python: set[str] = set()  # "path" or "path:name", for the tests' own checks
        self._seen: set[tuple[Path, str | None]] = set()

    # --- Python ---------------------------------------------------------------------------

    def module(self, path: Path) -> None:
        """A module read whole: its messages, the names it uses, the templates it renders."""
        if (path, None) in self._seen:
            return
        self._seen.add((path, None))
        self.python.add(str(path.relative_to(ROOT)))
        source, tree = _parsed(path)
        self._found(_messages_in(source), str(path.relative_to(ROOT)))
        self._templates_named_in(source)
        self._follow(path, tree)

    def definition(self, path: Path, name: str) -> None:
        """One class, function or constant of a module, and whatever it uses."""
        if (path, name) in self._seen or (path, None) in self._seen:
            return
        self._seen.add((path, name))
        node = _definitions(path).get(name)
        if node is None:  # re-exported from elsewhere: follow the module's own import
            target = _imports(path).get(name)
            if target is not None:
                self._visit(*target)
            return
        self.python.add(f"{path.relative_to(ROOT)}:{name}")
        source = ast.get_source_segment(_parsed(path)[0], node) or ""
        self._found(_messages_in(source), f"{path.relative_to(ROOT)}:{name}")
        self._templates_named_in(source)
        self._follow(path, node)

    def _found(self, messages: set[Message], where: str) -> None:
        for message in messages:
            self.origin.setdefault(message, where)
        self.messages |= messages

    def _visit(self, path: Path, name: str | None) -> None:
        if str(path.relative_to(ROOT)).startswith(self.stop) and self.stop:
            return
        if name is None:
            self.module(path)
        else:
            self.definition(path, name)

    def _follow(self, path: Path, node: ast.AST) -> None:
        """Follow the names a piece of code uses; ``module.name`` follows that one name."""
        local, imported = _definitions(path), _imports(path)
        attributes = {
            id(n.value): (n.value.id, n.attr)
            for n in ast.walk(node)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
        }
        for used in sorted(
            (n for n in ast.walk(node) if isinstance(n, ast.Name)), key=lambda n: n.id
        ):
            if used.id in imported:
                module, name = imported[used.id]
                if name is None and id(used) in attributes:
                    name = attributes[id(used)][1]
                self._visit(module, name)
            elif used.id in local:
                self.definition(path, used.id)

    def _templates_named_in(self, source: str) -> None:
        for name in TEMPLATE_NAME.findall(source):
            if Path(ROOT, "templates", name).exists():
                self.template(name)

    # --- templates ------------------------------------------------------------------------

    def template(self, name: str) -> None:
        """A template read whole, with those it extends, includes or imports."""
        if name in self.templates or (self.stop and f"templates/{name}".startswith(self.stop)):
            return
        self.templates.add(name)
        path = Path(ROOT, "templates", name)
        source = path.read_text(encoding="utf-8")
        for _line, message, _comments, context in extract(
            "jinja2", io.BytesIO(source.encode("utf-8")), keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            self._found({(context, msgid)}, f"templates/{name}")
        for linked in TEMPLATE_LINK.findall(source):
            if Path(ROOT, "templates", linked).exists():
                self.template(linked)

    def folder(self, folder: str) -> None:
        """Every template of a folder under templates/."""
        for path in sorted(Path(ROOT, "templates", folder).glob("**/*.html")):
            self.template(str(path.relative_to(Path(ROOT, "templates"))))


def reach(
    modules: Iterable[str],
    templates: Iterable[str] = (),
    folders: Iterable[str] = (),
    stop: Iterable[str] = (),
) -> Reach:
    """Follow entry modules (globs under the repository) and template folders."""
    found = Reach(stop)
    for pattern in modules:
        for path in sorted(Path(ROOT).glob(pattern)):
            found.module(path)
    for folder in folders:
        found.folder(folder)
    for name in templates:
        found.template(name)
    return found
