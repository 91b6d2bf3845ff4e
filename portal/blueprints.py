"""AreaBlueprint: an area's one blueprint, carrying the area's other blueprints with it.

Every area package exposes one `bp`, which `create_app()` registers. Most areas have a single
blueprint. A few (network, admin, audits, standards) have several whose names are in every
endpoint (`dealers.detail`, `conduct.answer`): Flask's nested blueprints would rename those to
`network.dealers.detail`, and templates and tests `url_for` the short names. So the area's `bp`
is an AreaBlueprint, and the blueprints it `include`s are registered beside it under their own
names and URL prefixes when it is registered. Its own hooks (before_request, error handlers)
apply to its own routes only, not to the included blueprints.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.sansio.app import App
from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A URL rule whose two URL-building functions are generated when first used.

    Werkzeug generates and compiles Python code for each rule's builders as the rule is
    added: three quarters of `create_app()`'s time for ~230 rules, paid by every app a
    worker, a CLI command or a test makes, for rules most of which that app never builds a
    URL for. Matching requests is unchanged (the regular expressions are compiled as
    before); `url_for` compiles a rule's builder on its first use, the same function
    Werkzeug would have made.

    A builder depends only on the rule's parsed path (its static and variable parts) when
    the rule has no defaults: the rule, hence its converters, comes in as an argument. Such
    builders are kept for the process, so the apps one process makes (tests, a CLI command
    beside a worker) compile each shape once.
    """

    _shared: dict[tuple[Any, ...], Any] = {}
    _parsed: dict[tuple[Any, ...], tuple[Any, ...]] = {}

    def compile(self) -> None:
        """Werkzeug's parse of the rule, kept for the process by everything it depends on.

        Parsing a path into its parts, converters and regular expressions was two fifths of
        `create_app()`; the apps one process makes (each test makes one) parse each rule
        once. The parts are read, never changed, by the map's matcher; the converters keep
        a reference to the first map and read nothing from it.
        """
        if self.map is None:
            raise RuntimeError(f"url rule {self!r} is not bound to a map")
        key = (
            self.rule,
            self.subdomain,
            self.host,
            self.merge_slashes,
            self.map.host_matching,
            tuple(sorted(self.defaults or ())),
            tuple(self.map.converters.items()),
        )
        found = LazyBuilderRule._parsed.get(key)
        if found is None:
            super().compile()
            found = (self._parts, self._trace, self._converters, frozenset(self.arguments))
            LazyBuilderRule._parsed[key] = found
            return
        self._parts, self._trace, self._converters, arguments = found
        self.arguments.update(arguments)
        self._build = self._compile_builder(False).__get__(self, None)
        self._build_unknown = self._compile_builder(True).__get__(self, None)

    def _compile_builder(self, append_unknown: bool = True) -> Any:
        compiled: list[Any] = []

        def build(rule: Rule, **values: Any) -> tuple[str, str]:
            if not compiled:
                compiled.append(_builder(rule, append_unknown))
            return compiled[0](rule, **values)

        return build


def _builder(rule: Rule, append_unknown: bool) -> Any:
    """Werkzeug's builder function for `rule`, shared by rules of the same shape."""
    if rule.defaults:
        return Rule._compile_builder(rule, append_unknown)
    key = (tuple(rule._trace), append_unknown)
    found = LazyBuilderRule._shared.get(key)
    if found is None:
        found = LazyBuilderRule._shared[key] = Rule._compile_builder(rule, append_unknown)
    return found


class AreaBlueprint(Blueprint):
    """A blueprint that registers the area's other blueprints beside itself, names unchanged."""

    def __init__(self, name: str, import_name: str, **options: Any) -> None:
        super().__init__(name, import_name, **options)
        self.included: list[Blueprint] = []

    def include(self, *blueprints: Blueprint) -> None:
        """Register `blueprints` with the app whenever this blueprint is, in this order."""
        self.included.extend(blueprints)

    def register(self, app: App, options: dict[str, Any]) -> None:
        super().register(app, options)
        for blueprint in self.included:
            app.register_blueprint(blueprint)
