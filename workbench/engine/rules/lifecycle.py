"""Rules about the contract as a whole: identity, status, metadata, deprecations, components."""

from __future__ import annotations

from workbench.engine.model import Change
from workbench.engine.rules.base import Env, Hit, ctx, fmt, rule

SEMVER_MAJOR = "SemVer 2.0.0 item 8 (incompatible changes increment MAJOR)"
SEMVER_MINOR = "SemVer 2.0.0 item 7 (additions and deprecations increment MINOR)"
SEMVER_PATCH = "SemVer 2.0.0 item 6 (PATCH for changes that alter no behaviour)"

# --- contract identity and lifecycle ------------------------------------------------------------


@rule(
    "contract.created",
    title="Contract created",
    topics="contract.lifecycle",
    kinds=("added",),
    severity="safe",
    rationale="""A new contract breaks nobody: no party relies on it yet. Its first version is
    whatever the author chose; review it as a whole with the security review.""",
    citation=SEMVER_MINOR,
    example="(no file) -> payments-api.yaml",
)
def _created(c: Change, env: Env) -> Hit:
    return Hit(f"contract {c.new} created")


@rule(
    "contract.deleted",
    title="Contract deleted",
    topics="contract.lifecycle",
    kinds=("removed",),
    severity="breaking",
    breaks=("clients", "relying_parties", "issuer"),
    rationale="""Deleting a contract removes every promise it made at once. Retire it first
    (status: retired, a major version) so consumers are told; deleting a retired contract is
    safe.""",
    citation=SEMVER_MAJOR,
    example="payments-api.yaml (status: active) -> (no file)",
)
def _deleted(c: Change, env: Env) -> Hit:
    if ctx(c, "status") == "retired":
        return Hit(
            f"retired contract {c.old} deleted", severity="safe", note="retired before deletion"
        )
    return Hit(f"contract {c.old} deleted while {ctx(c, 'status') or 'not retired'}")


@rule(
    "contract.id-changed",
    title="Contract id changed",
    topics="contract.id",
    severity="breaking",
    breaks=("clients", "relying_parties", "issuer"),
    rationale="""The contract id is how consumers, amendment records and ignore files name the
    contract; changing it orphans all of them. Create a new contract and retire the old one
    instead.""",
    citation=SEMVER_MAJOR,
    example="contract: payments-api -> contract: payments",
)
def _id_changed(c: Change, env: Env) -> Hit:
    return Hit(f"contract id changed from {c.old} to {c.new}")


@rule(
    "contract.retired",
    title="Contract retired",
    topics="contract.status",
    severity="breaking",
    breaks=("clients", "relying_parties", "issuer"),
    rationale="""A retired contract is no longer honoured: every party still relying on it
    breaks. Deprecate it first, with a sunset date, then retire it after the sunset.""",
    citation=SEMVER_MAJOR,
    example="status: deprecated -> status: retired",
)
def _retired(c: Change, env: Env) -> Hit | None:
    if c.new != "retired":
        return None
    return Hit(f"contract status {c.old} -> retired")


@rule(
    "contract.deprecated",
    title="Contract deprecated",
    topics="contract.status",
    severity="safe",
    rationale="""Deprecating announces a future removal without changing behaviour. SemVer asks for
    a minor version so consumers notice the announcement.""",
    citation=SEMVER_MINOR + "; RFC 9745 (Deprecation header)",
    example="status: active -> status: deprecated",
)
def _deprecated(c: Change, env: Env) -> Hit | None:
    if c.new != "deprecated":
        return None
    return Hit(f"contract status {c.old} -> deprecated")


@rule(
    "contract.status-changed",
    title="Contract status changed",
    topics="contract.status",
    severity="safe",
    rationale="""Moving a draft to active, or re-activating a deprecated contract, promises more,
    not less: nobody breaks.""",
    citation=SEMVER_MINOR,
    example="status: draft -> status: active",
)
def _status(c: Change, env: Env) -> Hit:
    return Hit(f"contract status {c.old} -> {c.new}")


@rule(
    "contract.other-change",
    title="Change the engine does not classify",
    topics="other",
    severity="risky",
    breaks=("clients", "relying_parties", "issuer"),
    rationale="""A change to a field no rule knows about. The engine never drops a change silently:
    it reports it as risky so a reviewer looks at it.""",
    citation="",
    example="(any field without a rule)",
    fallback=True,
)
def _other(c: Change, env: Env) -> Hit:
    return Hit(f"{c.path} changed: {fmt(c.old)} -> {fmt(c.new)} (not classified by any rule)")


# --- metadata and editorial -----------------------------------------------------------------------


@rule(
    "meta.text-changed",
    title="Descriptive text changed",
    topics="text",
    severity="safe",
    editorial=True,
    rationale="""Titles, descriptions, summaries and notices explain the contract but are not part
    of what any party checks. A patch version is enough.""",
    citation=SEMVER_PATCH,
    example="summary: Create a payment -> summary: Create one payment",
)
def _text(c: Change, env: Env) -> Hit:
    verb = {"added": "added", "removed": "removed"}.get(c.kind, "reworded")
    return Hit(f"{c.path.rsplit('.', 1)[-1]} {verb} at {c.path}")


@rule(
    "meta.owners-changed",
    title="Owners changed",
    topics="meta.owners",
    severity="safe",
    editorial=True,
    rationale="""Who owns a contract matters for communication, not for compatibility.""",
    citation=SEMVER_PATCH,
    example="owners: [{team: payments}] -> owners: [{team: payments-platform}]",
)
def _owners(c: Change, env: Env) -> Hit:
    before, after = ctx(c, "teams", ([], []))
    if before == after:
        return Hit("owner contacts changed")
    return Hit(f"owners {fmt(before)} -> {fmt(after)}")


@rule(
    "meta.consumer-added",
    title="Consumer listed",
    topics="meta.consumer.added",
    severity="safe",
    editorial=True,
    rationale="""The consumers list records who relies on the contract so amendments can be
    communicated; adding an entry changes nothing for anyone.""",
    citation=SEMVER_PATCH,
    example="consumers: [] -> consumers: [{name: ledger-service}]",
)
def _consumer_added(c: Change, env: Env) -> Hit:
    return Hit(f"consumer {ctx(c, 'owner')} listed")


@rule(
    "meta.consumer-removed",
    title="Consumer no longer listed",
    topics="meta.consumer.removed",
    severity="safe",
    editorial=True,
    rationale="""Dropping a consumer from the list changes no behaviour, but it also means that
    consumer will not be told about future amendments: make sure it really stopped relying on
    the contract.""",
    citation=SEMVER_PATCH,
    example="consumers: [{name: ledger-service}] -> consumers: []",
)
def _consumer_removed(c: Change, env: Env) -> Hit:
    return Hit(f"consumer {ctx(c, 'owner')} no longer listed")


@rule(
    "meta.consumer-changed",
    title="Consumer details changed",
    topics=("meta.consumer", "meta.consumer.uses"),
    severity="safe",
    editorial=True,
    rationale="""A consumer's contact or the list of what it uses is bookkeeping that targets
    amendment notices; it changes no behaviour.""",
    citation=SEMVER_PATCH,
    example="uses: [access_token] -> uses: [access_token, create_payment]",
)
def _consumer_changed(c: Change, env: Env) -> Hit:
    field = ctx(c, "field", "details")
    verb = {"added": "now uses", "removed": "no longer uses"}.get(c.kind, f"{field} changed:")
    value = c.new if c.kind == "added" else c.old if c.kind == "removed" else f"{c.old} -> {c.new}"
    return Hit(f"consumer {ctx(c, 'owner')} {verb} {value}")


@rule(
    "meta.extension-changed",
    title="Extension field changed",
    topics="extension",
    severity="safe",
    editorial=True,
    rationale="""Fields starting with x- are vendor extensions outside the format: no standard
    party reads them, so a change is editorial (tools that do read them should say so).""",
    citation=SEMVER_PATCH,
    example="x-team-channel: '#payments' -> x-team-channel: '#payments-platform'",
)
def _extension(c: Change, env: Env) -> Hit:
    detail = ctx(c, "detail")
    verb = {"added": "added", "removed": "removed"}.get(c.kind, "changed")
    return Hit(f"extension {c.path} {verb}" + (f" ({detail})" if detail else ""))


# --- deprecations ---------------------------------------------------------------------------------


@rule(
    "deprecation.added",
    title="Deprecation announced",
    topics="deprecation.added",
    kinds=("added",),
    severity="safe",
    rationale="""Announcing a deprecation changes no behaviour but starts the clock for consumers;
    SemVer asks for a minor version. The sunset date should leave at least the provider's notice
    period (months for a flow or an algorithm).""",
    citation=SEMVER_MINOR + "; RFC 9745 (Deprecation), RFC 8594 (Sunset)",
    example="deprecations: [] -> [{target: grants[implicit], announced: 2026-01-10, sunset: 2026-07-10}]",
)
def _dep_added(c: Change, env: Env) -> Hit:
    entry = c.new if isinstance(c.new, dict) else {}
    sunset = entry.get("sunset")
    when = f", sunset {sunset}" if sunset else " (no sunset date yet)"
    return Hit(f"{ctx(c, 'owner')} deprecated{when}")


@rule(
    "deprecation.removed",
    title="Deprecation entry removed",
    topics="deprecation.removed",
    kinds=("removed",),
    severity="safe",
    rationale="""A deprecation entry disappears either because its target was removed (the
    deprecation is complete) or because the deprecation was withdrawn; neither breaks anyone.""",
    citation=SEMVER_MINOR,
    example="[{target: grants[implicit], ...}] -> []",
)
def _dep_removed(c: Change, env: Env) -> Hit:
    target = str(ctx(c, "owner"))
    if env.new is not None and env.new.resolve(target) is not None:
        return Hit(f"deprecation of {target} withdrawn ({target} stays)")
    return Hit(f"deprecation of {target} completed ({target} removed)")


@rule(
    "deprecation.sunset-earlier",
    title="Sunset moved earlier",
    topics="deprecation.sunset",
    severity="risky",
    breaks=("clients",),
    rationale="""Consumers planned their migration against the announced sunset; moving it earlier
    (or setting one where none was) shortens the time they have.""",
    citation="RFC 8594 (Sunset)",
    example="sunset: 2026-09-01 -> sunset: 2026-06-01",
)
def _sunset_earlier(c: Change, env: Env) -> Hit | None:
    if c.new is None or (c.old is not None and str(c.new) >= str(c.old)):
        return None
    return Hit(f"sunset of {ctx(c, 'owner')} moved {fmt(c.old)} -> {c.new}")


@rule(
    "deprecation.sunset-later",
    title="Sunset postponed or dropped",
    topics="deprecation.sunset",
    severity="safe",
    rationale="""More time to migrate breaks nobody.""",
    citation="RFC 8594 (Sunset)",
    example="sunset: 2026-06-01 -> sunset: 2026-09-01",
)
def _sunset_later(c: Change, env: Env) -> Hit:
    return Hit(f"sunset of {ctx(c, 'owner')} moved {fmt(c.old)} -> {fmt(c.new)}")


@rule(
    "deprecation.details-changed",
    title="Deprecation details changed",
    topics=("deprecation.announced", "deprecation.details"),
    severity="safe",
    editorial=True,
    rationale="""The announcement date, replacement and link of a deprecation inform consumers;
    they change no behaviour.""",
    citation=SEMVER_PATCH,
    example="replacement: ES256 -> replacement: PS256",
)
def _dep_details(c: Change, env: Env) -> Hit:
    return Hit(
        f"{ctx(c, 'field')} of the deprecation of {ctx(c, 'owner')}: {fmt(c.old)} -> {fmt(c.new)}"
    )


# --- shared schema components ---------------------------------------------------------------------


@rule(
    "component.added",
    title="Unused shared schema added",
    topics="component.added",
    severity="safe",
    editorial=True,
    rationale="""A schema in components.schemas that nothing references yet changes no request,
    response or token. (Referenced schemas are compared where they are used.)""",
    citation=SEMVER_PATCH,
    example="components.schemas: {} -> {Refund: {...}} (not referenced)",
)
def _comp_added(c: Change, env: Env) -> Hit:
    return Hit(f"shared schema {c.new} added (not referenced yet)")


@rule(
    "component.removed",
    title="Unused shared schema removed",
    topics="component.removed",
    severity="safe",
    editorial=True,
    rationale="""Removing a schema that nothing references changes no request, response or
    token.""",
    citation=SEMVER_PATCH,
    example="components.schemas: {Legacy: {...}} -> {} (not referenced)",
)
def _comp_removed(c: Change, env: Env) -> Hit:
    return Hit(f"unreferenced shared schema {c.old} removed")


@rule(
    "component.changed",
    title="Unused shared schema changed",
    topics="component.changed",
    severity="safe",
    editorial=True,
    rationale="""A change to a schema that nothing references changes no request, response or
    token.""",
    citation=SEMVER_PATCH,
    example="Legacy: {type: object} -> Legacy: {type: array} (not referenced)",
)
def _comp_changed(c: Change, env: Env) -> Hit:
    return Hit(f"unreferenced shared schema {c.old} changed")
