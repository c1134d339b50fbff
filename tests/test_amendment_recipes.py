"""Amendment recipes on the demo contracts and on a small hand-written one: the lines they touch,
the engine's verdict on what they write, and the two steps of a removal around its sunset."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest

from workbench.amendment.recipes import (
    RECIPES,
    RecipeError,
    RecipeRefused,
    apply_recipe,
    choices,
    judge,
)
from workbench.contract.loader import load_contract_text

SAMPLES = Path(__file__).resolve().parent.parent / "sample_contracts"
TODAY = dt.date(2026, 12, 3)

TINY = """\
# A small contract written by hand: block lists everywhere.
contract: tiny-api
title: Tiny API
version: 1.0.0
status: active

owners:
  - team: tiny
    contact: tiny@example.com

identity_providers:
  - id: old-idp
    issuer: https://old.example.com
  - id: new-idp
    issuer: https://new.example.com

tokens:
  access_token:
    format: jwt
    issued_by:
      - old-idp
      - new-idp
    signing_algorithms:
      - RS256  # the legacy keys
    audience: [https://tiny.example.com]
    lifetime: 2h
    clock_skew: 5m
    required_claims:
      - iss
      - sub
      - exp

sessions:
  idle_timeout: 30m
  absolute_timeout: 36h

mfa:
  required: false
  required_for:
    - tiny:write

scopes:
  tiny:read: Read things
  tiny:write: Write things

endpoints:
  get_thing:
    method: GET
    path: /things/{id}
    security:
      - access_token:
          - tiny:read
    errors:
      - invalid_token
      - not_allowed

errors:
  invalid_token:
    status: 401
  not_allowed:
    status: 403
    description: The token lacks a scope.
"""


def sample(name: str) -> tuple[str, str]:
    path = SAMPLES / f"{name}.yaml"
    return path.read_text(encoding="utf-8"), f"{name}.yaml"


def changed_lines(before: str, after: str) -> tuple[list[str], list[str]]:
    """The lines removed from ``before`` and added in ``after`` (a line diff)."""
    removed, added = [], []
    for line in difflib.ndiff(before.splitlines(), after.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def severity(base: str, text: str, source: str, day: dt.date = TODAY) -> str:
    old = load_contract_text(base, source)
    return judge(old, text, source, today=day).verdict.severity


# --- one-step recipes: the engine's verdict, the lines touched ----------------------------------


def test_shorten_lifetime_flow_sample_is_risky_and_touches_one_line():
    text, src = sample("payments-api")
    applied = apply_recipe(
        "shorten-token-lifetime",
        text,
        src,
        {"token": "access_token", "lifetime": "10m"},
        today=TODAY,
    )
    assert applied.step == "change"
    assert changed_lines(text, applied.text) == (["    lifetime: 15m"], ["    lifetime: 10m"])
    assert severity(text, applied.text, src) == "risky"


def test_shorten_lifetime_refuses_a_longer_value_with_its_line():
    text, src = sample("payments-api")
    with pytest.raises(RecipeError) as err:
        apply_recipe(
            "shorten-token-lifetime", text, src, {"token": "access_token", "lifetime": "1h"}
        )
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("payments-api.yaml:66:")
    assert "not shorter than the current lifetime 15m" in message


def test_require_mfa_is_breaking_and_says_it_cannot_be_made_safe():
    text, src = sample("payments-api")
    applied = apply_recipe("require-mfa-for-scope", text, src, {"scope": "payments:read"})
    assert changed_lines(text, applied.text) == (
        ["  required_for: [payments:write, payments:refund]"],
        ["  required_for: [payments:write, payments:refund, payments:read]"],
    )
    assert any("cannot be made safe" in note for note in applied.notes)
    assert severity(text, applied.text, src) == "breaking"


def test_require_mfa_on_a_block_list():
    applied = apply_recipe("require-mfa-for-scope", TINY, "tiny.yaml", {"scope": "tiny:read"})
    assert changed_lines(TINY, applied.text) == ([], ["    - tiny:read"])
    assert "    - tiny:write\n    - tiny:read\n" in applied.text
    assert severity(TINY, applied.text, "tiny.yaml") == "breaking"


def test_add_required_claim_flow_and_block():
    text, src = sample("payments-api")
    applied = apply_recipe(
        "add-required-claim", text, src, {"token": "id_token", "claim": "auth_time"}
    )
    removed, added = changed_lines(text, applied.text)
    assert removed == ["    required_claims: [iss, sub, aud, exp, iat, nonce]"]
    assert added == ["    required_claims: [iss, sub, aud, exp, iat, nonce, auth_time]"]
    assert severity(text, applied.text, src) == "breaking"
    block = apply_recipe(
        "add-required-claim", TINY, "tiny.yaml", {"token": "access_token", "claim": "jti"}
    )
    assert changed_lines(TINY, block.text) == ([], ["      - jti"])
    assert "      - exp\n      - jti\n\nsessions:" in block.text
    assert severity(TINY, block.text, "tiny.yaml") == "breaking"


def test_add_identity_provider_to_a_demo_contract():
    text, src = sample("payments-api")
    applied = apply_recipe(
        "add-identity-provider",
        text,
        src,
        {"id": "corp-idp-2", "issuer": "https://login2.example.com", "tokens": "access_token"},
    )
    removed, added = changed_lines(text, applied.text)
    assert removed == ["    issued_by: [corp-idp]"]
    assert added == [
        "  - id: corp-idp-2",
        "    issuer: https://login2.example.com",
        "    issued_by: [corp-idp, corp-idp-2]",
    ]
    assert severity(text, applied.text, src) == "risky"  # a new issuer is trusted


# --- two-step recipes: expand, then contract after the sunset ------------------------------------


def two_steps(recipe: str, text: str, src: str, params: dict[str, str], contract_params=None):
    expand = apply_recipe(recipe, text, src, params, today=TODAY)
    assert expand.step == "expand" and expand.sunset is not None
    again = contract_params or {
        k: v for k, v in params.items() if k in ("token", "old", "idp", "scope", "code")
    }
    with pytest.raises(RecipeRefused) as refused:
        apply_recipe(recipe, expand.text, src, again, today=expand.sunset - dt.timedelta(days=1))
    assert expand.sunset.isoformat() in str(refused.value)
    assert "\n" not in str(refused.value)
    contract = apply_recipe(recipe, expand.text, src, again, today=expand.sunset)
    assert contract.step == "contract"
    return expand, contract


def test_rotate_signing_algorithm_on_a_flow_list():
    text, src = sample("payments-api")
    expand, contract = two_steps(
        "rotate-signing-algorithm",
        text,
        src,
        {"token": "access_token", "old": "HS256", "new": "ES384"},
    )
    removed, added = changed_lines(text, expand.text)
    assert removed == ["    signing_algorithms: [ES256, HS256]"]
    assert added[0] == "    signing_algorithms: [ES256, HS256, ES384]"
    assert added[1:6] == [
        "",
        "deprecations:",
        "  - target: tokens.access_token.signing_algorithms[HS256]",
        '    announced: "2026-12-03"',
        '    sunset: "2027-03-03"',  # the notice period (90 days) outlasts 15m + 60s of overlap
    ]
    assert expand.sunset == dt.date(2027, 3, 3)
    # the expand step is what the engine judges not breaking
    assert severity(text, expand.text, src) == "safe"
    # the contract step: breaking the day before the sunset, a planned removal on it
    assert (
        changed_lines(expand.text, contract.text)[0][0]
        == "    signing_algorithms: [ES256, HS256, ES384]"
    )
    assert changed_lines(expand.text, contract.text)[1] == [
        "    signing_algorithms: [ES256, ES384]"
    ]
    before = expand.sunset - dt.timedelta(days=1)
    assert severity(expand.text, contract.text, src, before) == "breaking"
    assert severity(expand.text, contract.text, src, expand.sunset) == "safe"


def test_rotate_signing_algorithm_on_a_block_list_with_a_comment():
    expand, contract = two_steps(
        "rotate-signing-algorithm",
        TINY,
        "tiny.yaml",
        {"token": "access_token", "old": "RS256", "new": "ES256"},
    )
    assert "      - RS256  # the legacy keys\n      - ES256\n    audience:" in expand.text
    assert severity(TINY, expand.text, "tiny.yaml") != "breaking"
    assert "      - ES256\n    audience:" in contract.text
    assert "RS256" not in contract.text
    assert contract.text.replace("      - ES256\n", "      - RS256  # the legacy keys\n") == TINY
    assert (
        severity(expand.text, contract.text, "tiny.yaml", expand.sunset - dt.timedelta(days=1))
        == "breaking"
    )
    assert severity(expand.text, contract.text, "tiny.yaml", expand.sunset) == "safe"


def test_sunset_follows_the_overlap_when_it_outlasts_the_notice_period():
    """With no notice period, the sunset is the overlap: lifetime 2h + clock skew 5m -> 1 day."""
    expand = apply_recipe(
        "rotate-signing-algorithm",
        TINY,
        "tiny.yaml",
        {"token": "access_token", "old": "RS256", "new": "ES256"},
        today=TODAY,
        notice_period=0,
    )
    assert expand.sunset == TODAY + dt.timedelta(days=1)
    assert "overlap 2h5m" in expand.notes[0] or "2h" in expand.notes[0]


def test_retire_identity_provider_sunset_covers_the_session_lifetime():
    expand, contract = two_steps("retire-identity-provider", TINY, "tiny.yaml", {"idp": "old-idp"})
    removed, added = changed_lines(TINY, expand.text)
    assert removed == [] and added[:2] == ["", "deprecations:"]
    assert added[2] == "  - target: identity_providers[old-idp]"
    assert severity(TINY, expand.text, "tiny.yaml") != "breaking"
    # sessions.absolute_timeout is 36h: with no notice period the sunset is two days away
    short = apply_recipe(
        "retire-identity-provider",
        TINY,
        "tiny.yaml",
        {"idp": "old-idp"},
        today=TODAY,
        notice_period=0,
    )
    assert short.sunset == TODAY + dt.timedelta(days=2)
    removed, _ = changed_lines(expand.text, contract.text)
    assert "  - id: old-idp" in removed and "      - old-idp" in removed
    assert (
        severity(expand.text, contract.text, "tiny.yaml", expand.sunset - dt.timedelta(days=1))
        == "breaking"
    )
    assert severity(expand.text, contract.text, "tiny.yaml", expand.sunset) != "breaking"


def test_retire_identity_provider_on_a_demo_contract():
    text, src = sample("wallet-app")
    expand, contract = two_steps("retire-identity-provider", text, src, {"idp": "customer-idp-eu"})
    assert severity(text, expand.text, src) != "breaking"
    removed, _ = changed_lines(expand.text, contract.text)
    assert "  - id: customer-idp-eu" in removed
    assert (
        severity(expand.text, contract.text, src, expand.sunset - dt.timedelta(days=1))
        == "breaking"
    )


def test_retire_the_only_issuer_is_refused():
    text, src = sample("payments-api")
    with pytest.raises(RecipeError, match="only issuer of access_token"):
        apply_recipe("retire-identity-provider", text, src, {"idp": "corp-idp"})


def test_rename_error_code_two_steps_on_a_demo_contract():
    text, src = sample("partner-api")
    expand, contract = two_steps(
        "rename-error-code", text, src, {"code": "insufficient_scope", "to": "scope_missing"}
    )
    block = (
        "    status: 403\n"
        "    description: The token is active but lacks the scope this endpoint requires.\n"
        '    www_authenticate: Bearer realm="partner-api", error="insufficient_scope"\n'
    )
    assert f"  insufficient_scope:\n{block}  scope_missing:\n{block}" in expand.text
    removed, added = changed_lines(text, expand.text)
    assert removed == [] and len(added) == 4 + 9  # the copy, a blank line, the deprecation
    assert severity(text, expand.text, src) != "breaking"
    assert "insufficient_scope:" not in contract.text
    assert "[invalid_token, scope_missing, rate_limited]" in contract.text  # flow lists renamed
    assert (
        severity(expand.text, contract.text, src, expand.sunset - dt.timedelta(days=1))
        == "breaking"
    )


def test_rename_scope_on_block_lists():
    expand, contract = two_steps(
        "rename-scope", TINY, "tiny.yaml", {"scope": "tiny:read", "to": "tiny:view"}
    )
    assert changed_lines(TINY, expand.text)[1][0] == "  tiny:view: Read things"
    assert severity(TINY, expand.text, "tiny.yaml") == "safe"
    assert "          - tiny:view\n" in contract.text
    assert "tiny:read" not in contract.text
    # before the sunset the engine calls the contract step breaking; after it, the endpoint's
    # switch to the new scope remains the engine's call (clients must request it by then)
    assert (
        severity(expand.text, contract.text, "tiny.yaml", expand.sunset - dt.timedelta(days=1))
        == "breaking"
    )


def test_rename_scope_expand_on_a_demo_contract():
    text, src = sample("ledger-service")
    expand = apply_recipe(
        "rename-scope", text, src, {"scope": "ledger:read", "to": "ledger:view"}, today=TODAY
    )
    removed, added = changed_lines(text, expand.text)
    assert removed == [] and added[0] == "  ledger:view: Read balances and entries"
    assert severity(text, expand.text, src) == "safe"


# --- parameters, bad input, bytes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recipe", "params", "where"),
    [
        (
            "rotate-signing-algorithm",
            {"token": "refresh_token", "old": "RS256", "new": "ES256"},
            "tokens",
        ),
        (
            "rotate-signing-algorithm",
            {"token": "access_token", "old": "RS999", "new": "ES256"},
            "old",
        ),
        ("retire-identity-provider", {"idp": "nobody"}, "idp"),
        ("rename-scope", {"scope": "payments:fly", "to": "x"}, "scope"),
        ("rename-error-code", {"code": "teapot", "to": "x"}, "code"),
    ],
)
def test_a_parameter_the_contract_lacks_is_one_clear_line(recipe, params, where):
    text, src = sample("payments-api")
    with pytest.raises(RecipeError) as err:
        apply_recipe(recipe, text, src, params)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("payments-api.yaml:") and ": error: " in message
    assert "is not in this contract (choices: " in message


def test_unknown_recipe_and_unknown_parameter():
    text, src = sample("payments-api")
    with pytest.raises(RecipeError, match="unknown recipe"):
        apply_recipe("make-it-safe", text, src, {})
    with pytest.raises(RecipeError, match="unknown parameter 'colour'"):
        apply_recipe(
            "require-mfa-for-scope", text, src, {"scope": "payments:read", "colour": "red"}
        )
    with pytest.raises(RecipeError, match="missing parameter scope"):
        apply_recipe("require-mfa-for-scope", text, src, {})


def test_an_invalid_contract_is_refused_with_its_position():
    with pytest.raises(RecipeError) as err:
        apply_recipe("require-mfa-for-scope", "contract: [\n", "bad.yaml", {"scope": "x"})
    assert str(err.value).startswith("bad.yaml:")


def test_crlf_line_endings_are_kept():
    crlf = TINY.replace("\n", "\r\n")
    applied = apply_recipe(
        "add-required-claim", crlf, "tiny.yaml", {"token": "access_token", "claim": "jti"}
    )
    assert "\n" not in applied.text.replace("\r\n", "")
    assert (
        applied.text.replace("\r\n", "\n")
        == apply_recipe(
            "add-required-claim", TINY, "tiny.yaml", {"token": "access_token", "claim": "jti"}
        ).text
    )


def test_choices_are_read_from_the_contract():
    contract = load_contract_text(*sample("payments-api"))
    rotate = RECIPES["rotate-signing-algorithm"]
    assert choices(rotate, rotate.param("token"), contract, {}) == ["access_token", "id_token"]
    assert choices(rotate, rotate.param("old"), contract, {"token": "access_token"}) == [
        "ES256",
        "HS256",
    ]
    assert "ES256" not in choices(rotate, rotate.param("new"), contract, {"token": "access_token"})
    mfa = RECIPES["require-mfa-for-scope"]
    assert choices(mfa, mfa.param("scope"), contract, {}) == ["payments:read", "payments:export"]


def test_every_recipe_of_the_issue_is_registered():
    assert set(RECIPES) == {
        "rotate-signing-algorithm",
        "add-identity-provider",
        "retire-identity-provider",
        "shorten-token-lifetime",
        "require-mfa-for-scope",
        "add-required-claim",
        "rename-scope",
        "rename-error-code",
    }


# --- the generated page ----------------------------------------------------------------------------


def test_committed_recipes_page_is_up_to_date():
    from workbench.amendment.recipedocs import RECIPES_PATH, render_recipes

    root = Path(__file__).resolve().parents[1]
    assert (root / RECIPES_PATH).read_text(encoding="utf-8") == render_recipes(), (
        "docs/recipes.md is stale: run `python -m workbench.amendment.recipedocs`"
    )
    assert "(docs/recipes.md)" in (root / "README.md").read_text(encoding="utf-8")


def test_recipes_page_has_every_recipe_and_check_mode_detects_staleness(tmp_path):
    from workbench.amendment.recipedocs import RECIPES_PATH, main, render_recipes

    text = render_recipes()
    for recipe in RECIPES.values():
        assert text.count(f"## `{recipe.id}`") == 1
        entry = text.split(f"## `{recipe.id}`", 1)[1].split("\n## ", 1)[0]
        assert recipe.title in entry and "Engine verdict: **" in entry
        if recipe.two_step:
            assert "On the sunset: Engine verdict: **" in entry
    assert main(["--root", str(tmp_path), "--check"]) == 1
    assert main(["--root", str(tmp_path)]) == 0
    assert main(["--root", str(tmp_path), "--check"]) == 0
    target = tmp_path / RECIPES_PATH
    target.write_text(target.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    assert main(["--root", str(tmp_path), "--check"]) == 1


def test_hostile_names_are_quoted_and_read_back_as_given():
    name = "evil: x # [y]\n- z"
    applied = apply_recipe(
        "rename-scope", TINY, "tiny.yaml", {"scope": "tiny:read", "to": name}, today=TODAY
    )
    contract = load_contract_text(applied.text, "tiny.yaml")
    assert contract.data["scopes"][name] == "Read things"
    assert list(contract.data["scopes"]) == ["tiny:read", name, "tiny:write"]


def test_a_rotation_never_proposes_a_weak_algorithm():
    text, src = sample("payments-api")
    with pytest.raises(RecipeError, match="new 'none' is not in this contract"):
        apply_recipe(
            "rotate-signing-algorithm",
            text,
            src,
            {"token": "id_token", "old": "RS256", "new": "none"},
        )


# --- every two-step recipe on every demo contract ------------------------------------------------

NEW_NAMES = {"to": {"rename-scope": "renamed:scope", "rename-error-code": "renamed_code"}}


def _demo_params(recipe, contract) -> dict[str, str] | None:
    """Parameters from the contract's own choices (the last one), new names for free ones."""
    params: dict[str, str] = {}
    for p in recipe.params:
        if p.free:
            params[p.name] = NEW_NAMES[p.name][recipe.id]
            continue
        offered = choices(recipe, p, contract, params)
        if not offered:
            return None
        params[p.name] = offered[-1]
    return params


@pytest.mark.parametrize("name", ["payments-api", "ledger-service", "wallet-app", "partner-api"])
@pytest.mark.parametrize("recipe_id", [r.id for r in RECIPES.values() if r.two_step])
def test_two_step_recipes_on_every_demo_contract(name, recipe_id):
    text, src = sample(name)
    recipe = RECIPES[recipe_id]
    params = _demo_params(recipe, load_contract_text(text, src))
    if params is None:
        pytest.skip(f"{name} offers nothing for {recipe_id}")
    if recipe_id == "retire-identity-provider" and name == "payments-api":
        pytest.skip("corp-idp is the only issuer (refused: tested above)")
    expand = apply_recipe(recipe_id, text, src, params, today=TODAY)
    removed, _ = changed_lines(text, expand.text)
    assert len(removed) <= 1  # at most a flow list's line, rewritten; the rest byte for byte
    assert expand.sunset is not None and expand.sunset >= TODAY + dt.timedelta(days=90)
    assert severity(text, expand.text, src) != "breaking"
    again = {k: v for k, v in params.items() if k not in ("new", "to")}
    contract = apply_recipe(recipe_id, expand.text, src, again, today=expand.sunset)
    before = expand.sunset - dt.timedelta(days=1)
    assert severity(expand.text, contract.text, src, before) == "breaking"


def test_a_new_name_the_format_refuses_is_one_located_line():
    text, src = sample("partner-api")
    with pytest.raises(RecipeError) as err:
        apply_recipe("rename-error-code", text, src, {"code": "rate_limited", "to": "Rate-Limited"})
    message = str(err.value)
    assert "\n" not in message and message.startswith("partner-api.yaml:")
    assert "does not match" in message and "check the values given" in message


def test_a_missing_parameter_lists_the_choices():
    text, src = sample("payments-api")
    with pytest.raises(
        RecipeError, match=r"missing parameter token .*choices: access_token, id_token"
    ):
        apply_recipe("rotate-signing-algorithm", text, src, {"old": "RS256"})


# --- the other recipes on the hand-written block lists --------------------------------------------


def test_add_identity_provider_on_block_lists():
    applied = apply_recipe(
        "add-identity-provider",
        TINY,
        "tiny.yaml",
        {
            "id": "third-idp",
            "issuer": "https://third.example.com",
            "tokens": "access_token",
            "jwks_uri": "https://third.example.com/jwks.json",
        },
    )
    assert changed_lines(TINY, applied.text) == (
        [],
        [
            "  - id: third-idp",
            "    issuer: https://third.example.com",
            "    jwks_uri: https://third.example.com/jwks.json",
            "      - third-idp",
        ],
    )
    assert "      - new-idp\n      - third-idp\n    signing_algorithms:" in applied.text
    assert severity(TINY, applied.text, "tiny.yaml") == "risky"


def test_shorten_lifetime_on_the_hand_written_contract():
    applied = apply_recipe(
        "shorten-token-lifetime", TINY, "tiny.yaml", {"token": "access_token", "lifetime": "1h"}
    )
    assert changed_lines(TINY, applied.text) == (["    lifetime: 2h"], ["    lifetime: 1h"])
    assert severity(TINY, applied.text, "tiny.yaml") == "risky"


def test_rename_error_code_on_block_lists():
    expand, contract = two_steps(
        "rename-error-code", TINY, "tiny.yaml", {"code": "not_allowed", "to": "forbidden"}
    )
    assert (
        "  not_allowed:\n    status: 403\n    description: The token lacks a scope.\n"
        "  forbidden:\n    status: 403\n    description: The token lacks a scope.\n" in expand.text
    )
    assert severity(TINY, expand.text, "tiny.yaml") != "breaking"
    assert "      - invalid_token\n      - forbidden\n" in contract.text
    assert "not_allowed" not in contract.text
    before = expand.sunset - dt.timedelta(days=1)
    assert severity(expand.text, contract.text, "tiny.yaml", before) == "breaking"


def test_an_artefact_or_a_json_file_is_refused_by_name():
    path = SAMPLES / "artefacts" / "merchant-api.yaml"
    with pytest.raises(RecipeError) as err:
        apply_recipe("rename-scope", path.read_text(encoding="utf-8"), "merchant-api.yaml", {})
    assert str(err.value) == (
        "merchant-api.yaml:1:1: error: recipes edit contracts; this is an OpenAPI description: "
        "import it as a contract first (workbench import)"
    )
    with pytest.raises(RecipeError, match="this is a JSON file"):
        apply_recipe("rename-scope", "{}", "login-discovery.json", {})
