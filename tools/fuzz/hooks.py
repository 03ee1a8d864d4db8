"""Schemathesis hooks for `npm run fuzz` (tools/fuzz/run.mjs sets SCHEMATHESIS_HOOKS=hooks).

Text fields refuse the noncharacters above the Basic Multilingual Plane (U+1FFFE, U+1FFFF, ...
U+10FFFF): 400 `string.invalidText`, as the document's description of text says. The document's
patterns carry no `u` flag (a JSON Schema pattern is read by many dialects), so they cannot name
those code points, and a generator that draws any code point for a text field now and then draws
one (CI saw U+EFFFE in POST /api/relay's `lotId`). The schema-valid request is then refused, and
the positive-data check fails on a rule the document states in words only.

These hooks swap each such code point for "x" in every generated body, query and path parameter,
so a case keeps its length and its shape. The rule itself is tested in
tests/integration/hardening.test.ts.
"""

import schemathesis


def _astral_noncharacter(char: str) -> bool:
    code = ord(char)
    return code > 0xFFFF and (code & 0xFFFE) == 0xFFFE


def _clean(value):
    if isinstance(value, str):
        if any(_astral_noncharacter(c) for c in value):
            return "".join("x" if _astral_noncharacter(c) else c for c in value)
        return value
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


@schemathesis.hook
def map_body(ctx, body):
    return _clean(body)


@schemathesis.hook
def map_query(ctx, query):
    return _clean(query)


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    return _clean(path_parameters)
