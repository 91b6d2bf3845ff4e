"""Templates compiled once per test worker, not once per app.

Every Flask app has its own Jinja environment, and so its own compiled templates: the first
page a test opens compiled the twenty-odd templates it uses (~200 ms of CPU), in every test.
The test apps all come from `create_app()` with the same Jinja options, so the Python code a
template compiles to is the same for all of them: this cache keeps it (checked against the
template source's checksum, as Jinja's own bytecode caches do) for every app of the worker.
"""

from __future__ import annotations

from types import CodeType

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class SharedTemplateCode(BytecodeCache):
    """Compiled template code by template, in memory, for every environment given it."""

    def __init__(self) -> None:
        self._code: dict[str, tuple[str, CodeType]] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        found = self._code.get(bucket.key)
        if found is not None and found[0] == bucket.checksum:
            bucket.code = found[1]

    def dump_bytecode(self, bucket: Bucket) -> None:
        if bucket.code is not None:
            self._code[bucket.key] = (bucket.checksum, bucket.code)


SHARED = SharedTemplateCode()


def share_compiled_templates(app: Flask) -> None:
    """`app` reads and keeps its compiled templates in the worker's shared cache."""
    app.jinja_env.bytecode_cache = SHARED
