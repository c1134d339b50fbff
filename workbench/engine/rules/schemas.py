"""Direction-aware rules for JSON Schema changes (request bodies, response bodies, token claims).

One fact (``enum-value-added``, ``type-widened`` ...) means opposite things depending on who
produces the data and who validates it:

- ``request``: clients produce, the server validates. Narrowing what the schema accepts breaks
  clients; widening is safe.
- ``response``: the server produces, clients consume. Widening what may come back breaks
  clients (a new enum value is risky: well-written clients have a default branch); narrowing is
  safe.
- ``claims``: the issuer produces tokens, relying parties verify them. Narrowing breaks the issuer
  (tokens already issued no longer conform); widening breaks relying parties that read claims.

The table below is the data; :func:`_register` turns each row into three rules.
"""

from __future__ import annotations

from workbench.engine.model import Change
from workbench.engine.rules.base import Env, Hit, ctx, rule

JS = "JSON Schema 2020-12"
DIRECTIONS = ("request", "response", "claims")
SUBJECT = {
    "request": "request body",
    "response": "response body",
    "claims": "claims schema",
}
DIRECTION_WHY = {
    "request": "Clients send request bodies and the server validates them.",
    "response": "The server produces response bodies and clients parse them.",
    "claims": "The issuer produces the claims and relying parties verify and read them.",
}

B, R, S = "breaking", "risky", "safe"
W, ST, N = "weakens", "strengthens", "neutral"
CL, RP, IS = ("clients",), ("relying_parties",), ("issuer",)

# fact: (title, citation, why, example, request, response, claims)
#   each direction: (severity, security, breaks)
FACTS: dict[str, tuple] = {
    "property-added": (
        "Optional property added",
        f"{JS} validation §6.5.3 (required)",
        "An optional property is an addition: senders may omit it and receivers ignore what they do not know.",
        "properties: {amount} -> properties: {amount, memo}",
        (S, N, ()),
        (S, N, ()),
        (S, N, ()),
    ),
    "property-required-added": (
        "Required property added",
        f"{JS} validation §6.5.3 (required)",
        "Data without the new required property no longer validates: in a request every client must send it; in claims every token must carry it, including tokens already issued.",
        "properties: {amount} -> properties: {amount, currency}, required: [amount, currency]",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "property-removed": (
        "Property removed",
        f"{JS} core §10.3.2.1 (properties)",
        "Receivers that read a property lose it. In a request, a removed property is ignored unless additionalProperties is closed, in which case clients still sending it are rejected.",
        "properties: {amount, legacy_ref} -> properties: {amount}",
        (R, N, CL),
        (B, N, CL),
        (B, N, RP),
    ),
    "property-became-required": (
        "Property became required",
        f"{JS} validation §6.5.3 (required)",
        "Senders that omitted the property are now rejected.",
        "required: [amount] -> required: [amount, currency]",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "property-became-optional": (
        "Property no longer required",
        f"{JS} validation §6.5.3 (required)",
        "Receivers that relied on the property always being present now meet data without it.",
        "required: [amount, currency] -> required: [amount]",
        (S, N, ()),
        (B, N, CL),
        (B, N, RP),
    ),
    "property-deprecated": (
        "Property deprecation flag changed",
        f"{JS} meta-data §9.3 (deprecated)",
        "Marking a property deprecated announces its removal without changing validation.",
        "memo: {type: string} -> memo: {type: string, deprecated: true}",
        (S, N, ()),
        (S, N, ()),
        (S, N, ()),
    ),
    "enum-value-added": (
        "Enum value added",
        f"{JS} validation §6.1.2 (enum)",
        "A new allowed value is accepted by a validating receiver, but receivers that switch on the values meet one they do not know.",
        "enum: [EUR, USD] -> enum: [EUR, USD, GBP]",
        (S, N, ()),
        (R, N, CL),
        (R, N, RP),
    ),
    "enum-value-removed": (
        "Enum value removed",
        f"{JS} validation §6.1.2 (enum)",
        "Senders still using the removed value are rejected.",
        "enum: [EUR, USD, GBP] -> enum: [EUR, USD]",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "enum-added": (
        "Values restricted to an enum",
        f"{JS} validation §6.1.2-6.1.3 (enum, const)",
        "A value that was free is now limited to a list: senders using other values are rejected.",
        "currency: {type: string} -> currency: {type: string, enum: [EUR, USD]}",
        (B, ST, CL),
        (S, N, ()),
        (B, ST, IS),
    ),
    "enum-removed": (
        "Enum restriction dropped",
        f"{JS} validation §6.1.2-6.1.3 (enum, const)",
        "Any value is allowed again: receivers that relied on the closed list meet unknown values; validation of input is looser.",
        "currency: {enum: [EUR, USD]} -> currency: {type: string}",
        (S, W, ()),
        (R, N, CL),
        (R, W, RP),
    ),
    "type-narrowed": (
        "Type narrowed",
        f"{JS} validation §6.1.1 (type)",
        "Fewer types are accepted (number to integer, a type where there was none): senders using the dropped type are rejected.",
        "amount: {type: number} -> amount: {type: integer}",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "type-widened": (
        "Type widened",
        f"{JS} validation §6.1.1 (type)",
        "More types may appear (integer to number, string to string|array): receivers parsing the old type break.",
        "aud: {type: string} -> aud: {type: [string, array]}",
        (S, N, ()),
        (B, N, CL),
        (B, N, RP),
    ),
    "type-changed": (
        "Type changed",
        f"{JS} validation §6.1.1 (type)",
        "The old type is no longer valid and a new one appears: both senders and receivers break.",
        "id: {type: integer} -> id: {type: string}",
        (B, N, CL),
        (B, N, CL),
        (B, N, ("issuer", "relying_parties")),
    ),
    "became-nullable": (
        "Became nullable",
        f"{JS} validation §6.1.1 (type null)",
        "null may now appear: receivers that dereference the value crash.",
        "status: {type: string} -> status: {type: [string, 'null']}",
        (S, N, ()),
        (B, N, CL),
        (B, N, RP),
    ),
    "became-non-nullable": (
        "No longer nullable",
        f"{JS} validation §6.1.1 (type null)",
        "Senders that send null are rejected.",
        "memo: {type: [string, 'null']} -> memo: {type: string}",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "bound-tightened": (
        "Bound tightened",
        f"{JS} validation §6.2-6.5 (minimum, maximum, minLength, maxLength, minItems, maxItems, multipleOf, uniqueItems)",
        "A raised minimum or lowered maximum (length, items, value) rejects values that were valid.",
        "reference: {maxLength: 64} -> reference: {maxLength: 32}",
        (B, ST, CL),
        (S, N, ()),
        (B, ST, IS),
    ),
    "bound-relaxed": (
        "Bound relaxed",
        f"{JS} validation §6.2-6.5",
        "Larger or longer values may appear: receivers with fixed buffers or column sizes may overflow; input validation is looser.",
        "reference: {maxLength: 32} -> reference: {maxLength: 64}",
        (S, W, ()),
        (R, N, CL),
        (R, W, RP),
    ),
    "pattern-added": (
        "Pattern added",
        f"{JS} validation §6.3.3 (pattern)",
        "Strings must now match a regular expression: senders with other formats are rejected.",
        "reference: {type: string} -> reference: {type: string, pattern: '^[A-Z0-9-]+$'}",
        (B, ST, CL),
        (S, N, ()),
        (B, ST, IS),
    ),
    "pattern-removed": (
        "Pattern removed",
        f"{JS} validation §6.3.3 (pattern)",
        "Any string may appear: receivers that relied on the format break; input validation is looser.",
        "reference: {pattern: '^[A-Z]+$'} -> reference: {type: string}",
        (S, W, ()),
        (R, N, CL),
        (R, W, RP),
    ),
    "pattern-changed": (
        "Pattern changed",
        f"{JS} validation §6.3.3 (pattern)",
        "A different regular expression accepts different strings: some values valid before are rejected.",
        "reference: {pattern: '^[A-Z]+$'} -> reference: {pattern: '^[a-z]+$'}",
        (B, N, CL),
        (R, N, CL),
        (B, N, IS),
    ),
    "format-added": (
        "Format added",
        f"{JS} validation §7 (format)",
        "Validators that assert formats reject strings that do not match (date-time, uri, email...).",
        "expires_at: {type: string} -> expires_at: {type: string, format: date-time}",
        (B, ST, CL),
        (S, N, ()),
        (B, ST, IS),
    ),
    "format-removed": (
        "Format removed",
        f"{JS} validation §7 (format)",
        "Any string may appear: receivers parsing the format break.",
        "expires_at: {format: date-time} -> expires_at: {type: string}",
        (S, W, ()),
        (R, N, CL),
        (R, W, RP),
    ),
    "format-changed": (
        "Format changed",
        f"{JS} validation §7 (format)",
        "A different format rejects values of the old one and confuses parsers.",
        "expires_at: {format: date-time} -> expires_at: {format: date}",
        (B, N, CL),
        (R, N, CL),
        (B, N, IS),
    ),
    "additional-properties-closed": (
        "Unknown properties rejected",
        f"{JS} core §10.3.2.3 (additionalProperties)",
        "Senders that include any property the schema does not list are rejected.",
        "additionalProperties: true -> additionalProperties: false",
        (B, ST, CL),
        (S, N, ()),
        (B, ST, IS),
    ),
    "additional-properties-opened": (
        "Unknown properties accepted",
        f"{JS} core §10.3.2.3 (additionalProperties)",
        "Unlisted properties may appear: strict receivers reject them; input validation is looser.",
        "additionalProperties: false -> (default: any property allowed)",
        (S, W, ()),
        (R, N, CL),
        (R, W, RP),
    ),
    "variant-added": (
        "oneOf/anyOf alternative added",
        f"{JS} core §10.2.1.2-10.2.1.3 (anyOf, oneOf)",
        "A new shape may appear: receivers that handle the known alternatives break on the new one.",
        "oneOf: [Card, Sepa] -> oneOf: [Card, Sepa, Wallet]",
        (S, N, ()),
        (B, N, CL),
        (B, N, RP),
    ),
    "variant-removed": (
        "oneOf/anyOf alternative removed",
        f"{JS} core §10.2.1.2-10.2.1.3 (anyOf, oneOf)",
        "Senders using the removed shape are rejected.",
        "oneOf: [Card, Sepa, Wallet] -> oneOf: [Card, Sepa]",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "constraint-added": (
        "Constraint added",
        f"{JS} core §10.2 (allOf, not, if/then/else, dependent schemas, contains)",
        "A new subschema constraint (allOf part, not, if/then, dependentRequired, contains...) rejects data that was valid.",
        "(no allOf) -> allOf: [{required: [reference]}]",
        (B, N, CL),
        (S, N, ()),
        (B, N, IS),
    ),
    "constraint-removed": (
        "Constraint removed",
        f"{JS} core §10.2",
        "A subschema constraint is gone: data that was rejected may now appear.",
        "allOf: [{required: [reference]}] -> (no allOf)",
        (S, N, ()),
        (R, N, CL),
        (R, N, RP),
    ),
    "schema-changed": (
        "Schema keyword changed",
        f"{JS} core §10.2",
        "A keyword changed in a way whose direction cannot be decided statically (not, if/then, a different additionalProperties schema): review it.",
        "not: {required: [a]} -> not: {required: [b]}",
        (R, N, CL),
        (R, N, CL),
        (R, N, ("issuer", "relying_parties")),
    ),
    "default-changed": (
        "Default value changed",
        f"{JS} meta-data §9.2 (default)",
        "In a request, the server fills omitted properties with the default: behaviour changes for clients that omit it. Elsewhere a default is documentation.",
        "capture: {default: true} -> capture: {default: false}",
        (R, N, CL),
        (S, N, ()),
        (S, N, ()),
    ),
    "schema-added": (
        "Schema added",
        f"{JS} core §4.3",
        "A body or claims set that was not validated now is: senders not conforming are rejected (breaking when it requires properties). A response schema only documents what clients already receive.",
        "request: {} -> request: {schema: {type: object, required: [amount]}}",
        (R, ST, CL),
        (S, N, ()),
        (R, ST, IS),
    ),
    "schema-removed": (
        "Schema removed",
        f"{JS} core §4.3",
        "Nothing is validated any more: receivers lose the guarantee of a shape; input validation is gone.",
        "request: {schema: {...}} -> request: {}",
        (S, W, ()),
        (R, N, CL),
        (R, W, RP),
    ),
}

# Editorial-only facts: a safe change here needs no more than a patch.
EDITORIAL = {("response", "default-changed"), ("claims", "default-changed")}


def _where(c: Change, direction: str) -> str:
    owner = ctx(c, "owner", "")
    if direction == "claims":
        return f"{owner} claims"
    if direction == "response":
        return f"{owner} {ctx(c, 'status', '')} response".replace("  ", " ")
    return f"{owner} request"


def _adjust(fact: str, direction: str, c: Change) -> dict:
    """Per-change refinements of the table's defaults."""
    if fact == "property-removed" and direction == "request" and ctx(c, "closed"):
        return {
            "severity": B,
            "note": "additionalProperties is false: clients still sending it are rejected",
        }
    if fact == "schema-added" and direction in ("request", "claims") and ctx(c, "required"):
        return {"severity": B}
    if fact == "property-deprecated" and c.new is False:
        return {"note": "deprecation withdrawn"}
    return {}


def _judged(fact: str, direction: str, c: Change) -> dict:
    """The table's defaults refined by the inclusion verdict the differ attached (see
    ``engine/schemajudge.py``): the severity inclusion allows, the witness, the reason."""
    out = _adjust(fact, direction, c)
    verdict = ctx(c, "verdict")
    if not verdict or verdict.get("severity") is None:
        return out
    severity = verdict["severity"]
    out["severity"] = severity
    notes = [n for n in (verdict.get("note"), out.get("note")) if n]
    if severity == S:
        notes = [n for n in notes if n.startswith("the schema as a whole")]
    out["note"] = "; ".join(notes) or None
    if verdict.get("breaks"):
        out["breaks"] = tuple(verdict["breaks"])
    elif severity != S:
        out["breaks"] = CL if direction != "claims" else ("issuer", "relying_parties")
    if verdict.get("witness") is not None:
        out["witness"] = verdict["witness"]
    return out


def _verdict(direction: str, severity: str, breaks: tuple) -> str:
    who = " and ".join(p.replace("_", " ") for p in breaks)
    if severity == S:
        return f"For a {SUBJECT[direction]} this is safe."
    return f"For a {SUBJECT[direction]} this is {severity} for {who}."


def _register(fact: str, row: tuple) -> None:
    title, citation, why, example, *per_direction = row
    for direction, (severity, security, breaks) in zip(DIRECTIONS, per_direction, strict=True):

        def check(c: Change, env: Env, _d: str = direction, _f: str = fact) -> Hit | None:
            if c.context.get("direction") != _d:
                return None
            detail = ctx(c, "detail") or _f.replace("-", " ")
            return Hit(f"{_where(c, _d)}: {detail}", **_judged(_f, _d, c))

        rule(
            f"{direction}.{fact}",
            title=f"{SUBJECT[direction].capitalize()}: {title[0].lower()}{title[1:]}",
            topics=f"schema.{fact}",
            severity=severity,
            security=security,
            breaks=breaks,
            rationale=f"{DIRECTION_WHY[direction]} {why} {_verdict(direction, severity, breaks)}",
            citation=citation,
            example=example,
            editorial=(direction, fact) in EDITORIAL,
        )(check)


for _fact, _row in FACTS.items():
    _register(_fact, _row)


# --- how the contract's schemas are read ---------------------------------------------------------


@rule(
    "meta.schema-dialect-changed",
    title="Default JSON Schema dialect changed",
    topics="meta.schema-dialect",
    severity="risky",
    breaks=("clients", "relying_parties", "issuer"),
    rationale="""Every embedded schema without its own $schema is now read in another dialect:
    keywords can gain or lose meaning (const means nothing to draft-04, siblings of $ref
    nothing before 2019-09, array-form items is a tuple only before 2020-12) although no schema
    text changed. Review the schemas, or give each its own $schema.""",
    citation=f"{JS} core §8.1.1 ($schema)",
    example="json_schema: {dialect: draft-07} -> json_schema: {dialect: 2020-12}",
)
def _dialect(c: Change, env: Env) -> Hit:
    return Hit(f"default schema dialect {c.old} -> {c.new}")


@rule(
    "meta.response-validation-changed",
    title="Response validation promise changed",
    topics="meta.response-validation",
    severity="safe",
    rationale="""Whether clients validate responses strictly changes no schema; it changes how
    later response amendments are judged: under strict validation a response that allows new
    data is breaking instead of risky.""",
    citation=f"{JS} core §4.3 (JSON Schema documents)",
    example="json_schema: {response_validation: tolerant} -> {response_validation: strict}",
)
def _response_validation(c: Change, env: Env) -> Hit:
    return Hit(f"clients' response validation {c.old} -> {c.new}")
