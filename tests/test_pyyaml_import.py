"""PyYAML imported without compiling Reader.NON_PRINTABLE (workbench.contract.pyyaml): the same
PyYAML, the same answers, and ``re.compile`` left as it was."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.contract.pyyaml import NON_PRINTABLE, LazyPattern

REAL = re.compile(NON_PRINTABLE)


def _fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_the_pattern_is_pyyamls() -> None:
    """The pattern deferred is the one the installed PyYAML compiles (else nothing is saved)."""
    got = _fresh("import json, yaml; print(json.dumps(yaml.reader.Reader.NON_PRINTABLE.pattern))")
    assert got == NON_PRINTABLE


def test_importing_through_the_shim_defers_only_that_pattern() -> None:
    got = _fresh(
        "import json, re\n"
        "compile = re.compile\n"
        "from workbench.contract.yamlsrc import load_yaml\n"
        "import yaml\n"
        "lazy = yaml.reader.Reader.NON_PRINTABLE\n"
        "print(json.dumps({\n"
        "  'lazy': type(lazy).__name__,\n"
        "  'restored': re.compile is compile,\n"
        "  'resolvers': all(isinstance(rx, re.Pattern) for rxs in\n"
        "      yaml.resolver.Resolver.yaml_implicit_resolvers.values() for _, rx in rxs),\n"
        "  'parsed': load_yaml('a: [1, 2.5, true]\\n', 'x.yaml').data,\n"
        "}))"
    )
    assert got == {
        "lazy": "LazyPattern",
        "restored": True,
        "resolvers": True,
        "parsed": {"a": [1, 2.5, True]},
    }


def test_pyyamls_pure_reader_still_refuses_special_characters() -> None:
    import yaml

    from workbench.contract.pyyaml import yaml as shimmed

    assert shimmed is yaml
    with pytest.raises(yaml.reader.ReaderError, match="special characters"):
        yaml.safe_load("a: \x01\n")  # the pure-Python Reader searches with NON_PRINTABLE
    assert yaml.safe_load("a: caf\u00e9\n") == {"a": "caf\u00e9"}


@given(st.text())
def test_a_lazy_pattern_answers_as_the_compiled_one(text: str) -> None:
    lazy = LazyPattern(NON_PRINTABLE)
    found, expected = lazy.search(text), REAL.search(text)
    assert (found and found.span()) == (expected and expected.span())
    assert lazy.pattern == NON_PRINTABLE and lazy.flags == REAL.flags
    assert repr(lazy) == repr(REAL)
