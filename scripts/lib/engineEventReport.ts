// Turns the engine events of a `pulumi preview` (with or without --refresh) into a report a
// person can act on. Pure: it sees only the EngineEvent objects that Automation API's onEvent
// delivers, so it is tested on recorded-shape streams without a Pulumi CLI.
//
// How drift shows in the stream of `preview --refresh`:
//   - a refresh step per resource: resourcePreEvent op "refresh", then resOutputsEvent whose op is
//     the refresh result: "same", "update" (live differs) or "delete" (read returned no id: gone);
//   - then the program's steps against the refreshed state: "update" with old.outputs = live
//     values and new.inputs = declared values, "create" for a resource that is gone, and so on.
// Dynamic providers report no detailedDiff and usually no `diffs`, so property-level live vs
// declared values come from comparing old.outputs with new.inputs.
import { isDeepStrictEqual } from "node:util";
import type { DiagnosticEvent, EngineEvent, OpMap, OpType, PolicyEvent, StepEventMetadata, SummaryEvent } from "@pulumi/pulumi/automation";
import { UNKNOWN } from "../../infra/toolkit";
import { schemaDriftMessage } from "./schemaDriftReport";
import { maskSecrets, SECRET_PLACEHOLDER } from "./secretMask";

export type ReportMode = "drift" | "preview";

/**
 * drifted: live differs from declared; gone: the resource no longer exists and will be created;
 * create/update/delete/replace: a preview's planned change; provider-upgrade: only the stored
 * provider code differs (see docs/troubleshooting.md#provider-upgrades-and-refresh-providerversion).
 */
export type ChangeKind = "drifted" | "gone" | "create" | "update" | "delete" | "replace" | "provider-upgrade";

export interface PropertyDifference {
  property: string;
  /** Live value (drift) or recorded/current value (preview); undefined when not set. */
  live?: unknown;
  declared?: unknown;
  /** True when the engine masked the values: they are never shown. */
  secret: boolean;
}

export interface ResourceChange {
  name: string;
  urn: string;
  type: string;
  op: OpType;
  kind: ChangeKind;
  properties: PropertyDifference[];
  /** For replacements: the keys that force it. */
  replaceKeys?: string[];
  /** One line a person can act on, without the resource name. */
  message: string;
}

export interface PolicyFinding {
  policy: string;
  pack: string;
  enforcementLevel: PolicyEvent["enforcementLevel"];
  resource?: string;
  urn?: string;
  message: string;
}

export interface DiagnosticMessage {
  severity: "error" | "warning";
  resource?: string;
  message: string;
}

export type ReportStatus = "in-sync" | "drift" | "no-changes" | "changes" | "error";

export interface EngineReport {
  mode: ReportMode;
  stack: string;
  status: ReportStatus;
  changes: ResourceChange[];
  policies: PolicyFinding[];
  errors: DiagnosticMessage[];
  warnings: DiagnosticMessage[];
  /** The engine's own counts (summaryEvent.resourceChanges), when it sent one. */
  summary?: OpMap;
  /** The packs that ran, name to version (summaryEvent `PolicyPacks`). */
  policyPacks?: Record<string, string>;
}

/** Inputs that are plumbing, not configuration a person declares. */
const INTERNAL_KEYS = new Set(["__provider", "providerVersion", "connection"]);
const PROVIDER_VERSION_KEY = "providerVersion";
/** The CLI's error when --expect-no-changes meets a change; drift, not a failure of the run. */
export const NO_CHANGES_EXPECTED = /no changes were expected/i;
/** Pulumi's colour directives in "raw" colour mode, e.g. `<{%fg 1%}>`. */
const COLOR_DIRECTIVE = /<\{%[^%]*%\}>/g;
/** ANSI colour sequences, in case a message was rendered for a terminal. */
// eslint-disable-next-line no-control-regex
const ANSI_SEQUENCE = /\u001b\[[0-9;]*m/g;
const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic/";
/** When a replacement shows as several steps, the most telling one names the change. */
const REPLACE_OPS: ReadonlySet<OpType> = new Set(["replace", "create-replacement", "delete-replaced"]);
const IGNORED_OPS: ReadonlySet<OpType> = new Set(["same", "read", "refresh", "discard", "discard-replaced", "remove-pending-replace"]);

export function resourceName(urn: string): string {
  return urn.split("::").pop() ?? urn;
}

/** `pulumi-nodejs:dynamic/postgres:CronJob` → `postgres:CronJob`; other tokens unchanged. */
export function shortType(type: string): string {
  return type.startsWith(DYNAMIC_TYPE_PREFIX) ? type.slice(DYNAMIC_TYPE_PREFIX.length) : type;
}

export function cleanMessage(message: string): string {
  return maskSecrets(message.replace(COLOR_DIRECTIVE, "").replace(ANSI_SEQUENCE, "")).trim();
}

/** Where a resource's live state lives, for sentences. */
function livePlace(type: string): string {
  const module = shortType(type).split(":")[0];
  if (module === "postgres") return "in the database";
  if (module === "supabase") return "in Supabase";
  return "live";
}

/** The same place as a source: "gone from the database". */
function goneFrom(type: string): string {
  const place = livePlace(type);
  return place === "live" ? "gone" : `gone from ${place.replace(/^in /, "")}`;
}

function maskValue(value: unknown): unknown {
  if (typeof value === "string") return maskSecrets(value);
  if (Array.isArray(value)) return value.map(maskValue);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskValue(inner)]));
  }
  return value;
}

/** Top-level property names of detailedDiff paths such as `schemas[1]` or `config.uri`. */
function topLevelKeys(paths: string[]): string[] {
  return [...new Set(paths.map((p) => p.split(/[.[]/)[0]))];
}

/**
 * Property-level differences of a step: old.outputs (live after a refresh) against new.inputs
 * (declared), for the keys the engine names, or every declared key when it names none.
 */
export function propertyDifferences(metadata: StepEventMetadata): PropertyDifference[] {
  const live: Record<string, unknown> = { ...(metadata.old?.inputs ?? {}), ...(metadata.old?.outputs ?? {}) };
  const declared: Record<string, unknown> = metadata.new?.inputs ?? {};
  const named = [...(metadata.diffs ?? []), ...topLevelKeys(Object.keys(metadata.detailedDiff ?? {}))];
  const keys = named.length > 0 ? [...new Set(named)] : Object.keys(declared);
  const differences: PropertyDifference[] = [];
  for (const property of keys.filter((key) => !INTERNAL_KEYS.has(key) && !key.startsWith("__"))) {
    const liveValue = live[property];
    const declaredValue = declared[property];
    const secret = liveValue === SECRET_PLACEHOLDER || declaredValue === SECRET_PLACEHOLDER;
    // Two masked values compare equal; they count only when the engine itself named the key.
    if (isDeepStrictEqual(liveValue, declaredValue) && !(secret && named.includes(property))) continue;
    differences.push(
      secret ? { property, secret } : { property, live: maskValue(liveValue), declared: maskValue(declaredValue), secret },
    );
  }
  return differences;
}

function providerVersionChange(metadata: StepEventMetadata): { from?: unknown; to?: unknown } | undefined {
  const from = metadata.old?.outputs?.[PROVIDER_VERSION_KEY] ?? metadata.old?.inputs?.[PROVIDER_VERSION_KEY];
  const to = metadata.new?.inputs?.[PROVIDER_VERSION_KEY];
  return from !== to ? { from, to } : undefined;
}

// ---- sentences -------------------------------------------------------------------------------

export const MAX_VALUE_CHARS = 160;
/** How the engine's events spell a value that is computed during `up` (plugin.UnknownStringValue): the toolkit's one. */
export const UNKNOWN_VALUE = UNKNOWN;

/** A value for a sentence or a table cell: quoted, masked, long values cut with their length. */
export function formatValue(value: unknown, maxChars = MAX_VALUE_CHARS): string {
  if (value === undefined || value === null) return "not set";
  if (value === UNKNOWN_VALUE) return "(known after up)";
  const text = JSON.stringify(value);
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars - 1)}… (${text.length} chars; full value in --json)`;
}

function differenceSentence(difference: PropertyDifference, place: string, mode: ReportMode): string {
  if (difference.secret) return `${difference.property} differs (secret; values hidden)`;
  const { live, declared } = difference;
  if (mode === "drift") {
    const liveText = live === undefined ? `not set ${place}` : `${formatValue(live)} ${place}`;
    const declaredText = declared === undefined ? "not set in the stack" : `${formatValue(declared)} in the stack`;
    return `${difference.property} is ${liveText}, ${declaredText}`;
  }
  return `${difference.property} from ${formatValue(live)} to ${formatValue(declared)}`;
}

function declaredInput(metadata: StepEventMetadata, key: string): string {
  const value = metadata.new?.inputs?.[key] ?? metadata.old?.inputs?.[key] ?? metadata.old?.outputs?.[key];
  return typeof value === "string" ? maskSecrets(value) : formatValue(value);
}

/** Why a vanished resource matters, per type, and what the next `up` does about it. */
function goneSentence(metadata: StepEventMetadata): string {
  const input = (key: string) => declaredInput(metadata, key);
  switch (shortType(metadata.type)) {
    case "supabase:Project":
      return "gone: the Supabase project no longer exists; the next `pulumi up` creates a new, empty project with a new ref";
    case "postgres:Grant":
      return (
        `revoked in the database: ${input("privilege")} on ${input("objectType")} ${input("object")} to ${input("role")} ` +
        "is missing; the next `pulumi up` grants it again"
      );
    case "postgres:CronJob":
      return `gone: cron job ${input("jobName")} is not in cron.job; the next \`pulumi up\` schedules it again`;
    case "postgres:Migration":
      return (
        `gone: version ${input("version")} is not in supabase_migrations.schema_migrations; ` +
        "the next `pulumi up` re-applies it (migrations are idempotent)"
      );
    case "postgres:Extension":
      return `gone: extension ${input("name")} is not installed; the next \`pulumi up\` creates it`;
    default:
      return `${goneFrom(metadata.type)}; the next \`pulumi up\` creates it again`;
  }
}

// ---- collecting ------------------------------------------------------------------------------

interface RefreshResult {
  result: "same" | "update" | "delete";
  metadata: StepEventMetadata;
}

export interface RunOutcome {
  /** The error the preview command threw, if any (CommandError or other). */
  commandError?: unknown;
}

/**
 * Collects engine events; pass `collector.onEvent` as Automation API's onEvent, then call report().
 */
export class EngineEventCollector {
  private readonly refreshing = new Set<string>();
  private readonly refreshed = new Map<string, RefreshResult>();
  private readonly steps = new Map<string, StepEventMetadata>();
  private readonly policies: PolicyFinding[] = [];
  private readonly diagnostics: DiagnosticMessage[] = [];
  private summary?: OpMap;
  private policyPacks?: Record<string, string>;

  constructor(
    readonly mode: ReportMode,
    readonly stack: string,
  ) {}

  readonly onEvent = (event: EngineEvent): void => {
    if (event.resourcePreEvent) this.onStep(event.resourcePreEvent.metadata);
    if (event.resOutputsEvent) this.onOutputs(event.resOutputsEvent.metadata);
    if (event.resOpFailedEvent) this.onFailed(event.resOpFailedEvent.metadata);
    if (event.diagnosticEvent) this.onDiagnostic(event.diagnosticEvent);
    if (event.policyEvent) this.onPolicy(event.policyEvent);
    if (event.summaryEvent) {
      this.summary = event.summaryEvent.resourceChanges;
      this.policyPacks = summaryPolicyPacks(event.summaryEvent);
    }
  };

  private onStep(metadata: StepEventMetadata): void {
    // The engine's own steps on a default provider (its inputs are the stack config) are internal:
    // not counted as changes, so --expect-no-changes passes (pkg/engine/update.go isInternalStep).
    if (isDefaultProvider(metadata.urn)) return;
    if (metadata.op === "refresh") {
      this.refreshing.add(metadata.urn);
      return;
    }
    if (IGNORED_OPS.has(metadata.op)) return;
    const earlier = this.steps.get(metadata.urn);
    // A replacement arrives as create-replacement, replace, delete-replaced: keep "replace".
    if (earlier && REPLACE_OPS.has(earlier.op) && metadata.op !== "replace") return;
    this.steps.set(metadata.urn, metadata);
  }

  private onOutputs(metadata: StepEventMetadata): void {
    if (!this.refreshing.has(metadata.urn)) return;
    this.refreshing.delete(metadata.urn);
    // Newer engines send the refresh result as the op; older ones send "refresh" with no new state when gone.
    const gone = metadata.op === "delete" || (metadata.op === "refresh" && !metadata.new);
    const result = gone ? "delete" : metadata.op === "update" ? "update" : "same";
    this.refreshed.set(metadata.urn, { result, metadata });
  }

  private onFailed(metadata: StepEventMetadata): void {
    this.diagnostics.push({
      severity: "error",
      resource: resourceName(metadata.urn),
      message: `${metadata.op} of ${shortType(metadata.type)} failed (see the error above)`,
    });
  }

  private onDiagnostic(event: DiagnosticEvent): void {
    if (event.ephemeral || (event.severity !== "error" && event.severity !== "warning")) return;
    const message = cleanMessage(event.message);
    if (!message || NO_CHANGES_EXPECTED.test(message)) return;
    const resource = event.urn ? resourceName(event.urn) : undefined;
    if (this.diagnostics.some((d) => d.message === message && d.resource === resource)) return;
    this.diagnostics.push({ severity: event.severity, resource, message });
  }

  private onPolicy(event: PolicyEvent): void {
    this.policies.push({
      policy: event.policyName,
      pack: event.policyPackName,
      enforcementLevel: event.enforcementLevel,
      ...(event.resourceUrn ? { resource: resourceName(event.resourceUrn), urn: event.resourceUrn } : {}),
      message: cleanMessage(event.message),
    });
  }

  private describe(metadata: StepEventMetadata): ResourceChange {
    const base = { name: resourceName(metadata.urn), urn: metadata.urn, type: shortType(metadata.type), op: metadata.op };
    const place = livePlace(metadata.type);
    switch (metadata.op) {
      case "create":
      case "create-replacement":
        if (this.refreshed.get(metadata.urn)?.result === "delete") {
          return { ...base, kind: "gone", properties: [], message: goneSentence(metadata) };
        }
        if (metadata.op === "create") return { ...base, kind: "create", properties: [], message: "will be created" };
        break;
      case "delete":
        return {
          ...base,
          kind: "delete",
          properties: [],
          message: "no longer declared in the program; the next `pulumi up` deletes it",
        };
      case "update": {
        const properties = propertyDifferences(metadata);
        const schemaDrift = shortType(metadata.type) === "postgres:Schema" ? schemaDriftMessage(metadata.old?.outputs?.drift) : undefined;
        if (schemaDrift) return { ...base, kind: this.mode === "drift" ? "drifted" : "update", properties, message: schemaDrift };
        if (properties.length > 0) {
          const kind = this.mode === "drift" ? "drifted" : "update";
          return { ...base, kind, properties, message: properties.map((p) => differenceSentence(p, place, this.mode)).join("; ") };
        }
        const upgrade = providerVersionChange(metadata);
        if (upgrade) {
          return {
            ...base,
            kind: "provider-upgrade",
            properties: [],
            message:
              `provider code changed (providerVersion ${formatValue(upgrade.from)} → ${formatValue(upgrade.to)}); ` +
              `nothing differs ${place}; the next \`pulumi up\` stores the new provider code`,
          };
        }
        return {
          ...base,
          kind: this.mode === "drift" ? "drifted" : "update",
          properties: [],
          message: "the provider reports a difference in no declared property; run `pulumi preview --diff` to see it",
        };
      }
      default:
        break;
    }
    const keys = metadata.keys?.filter((key) => !INTERNAL_KEYS.has(key)) ?? [];
    const properties = propertyDifferences(metadata);
    const because = keys.length > 0 ? ` because ${keys.join(", ")} cannot change in place` : "";
    const details = properties.length > 0 ? `: ${properties.map((p) => differenceSentence(p, place, this.mode)).join("; ")}` : "";
    return { ...base, kind: "replace", properties, replaceKeys: keys, message: `will be replaced${because}${details}` };
  }

  /** Resources the refresh found gone that the program no longer declares: only state forgets them. */
  private goneWithoutStep(): ResourceChange[] {
    const changes: ResourceChange[] = [];
    for (const [urn, refresh] of this.refreshed) {
      if (refresh.result !== "delete" || this.steps.has(urn)) continue;
      changes.push({
        name: resourceName(urn),
        urn,
        type: shortType(refresh.metadata.type),
        op: "delete",
        kind: "gone",
        properties: [],
        message: `${goneFrom(refresh.metadata.type)} and no longer declared; the next \`pulumi up\` removes it from the state`,
      });
    }
    return changes;
  }

  report(outcome: RunOutcome = {}): EngineReport {
    const changes = [...[...this.steps.values()].map((metadata) => this.describe(metadata)), ...this.goneWithoutStep()];
    const errors = this.diagnostics.filter((d) => d.severity === "error");
    const warnings = this.diagnostics.filter((d) => d.severity === "warning");
    const commandError = outcome.commandError === undefined ? undefined : commandErrorMessage(outcome.commandError);
    let changesProposed = changes.length > 0;
    if (commandError && NO_CHANGES_EXPECTED.test(commandError)) {
      changesProposed = true;
      if (changes.length === 0) {
        warnings.push({ severity: "warning", message: "the CLI reported changes that no engine event explained; run `pulumi preview --diff`" });
      }
    } else if (commandError && errors.length === 0) {
      errors.push({ severity: "error", message: commandError });
    }
    const mandatoryViolation = this.policies.some((p) => p.enforcementLevel === "mandatory");
    const failed = errors.length > 0 || mandatoryViolation;
    let status: ReportStatus;
    if (failed) status = "error";
    else if (this.mode === "drift") status = changesProposed ? "drift" : "in-sync";
    else status = changesProposed ? "changes" : "no-changes";
    return {
      mode: this.mode,
      stack: this.stack,
      status,
      changes: changes.sort((a, b) => a.name.localeCompare(b.name)),
      policies: this.policies,
      errors,
      warnings,
      ...(this.summary ? { summary: this.summary } : {}),
      ...(this.policyPacks ? { policyPacks: this.policyPacks } : {}),
    };
  }
}

/**
 * The summary's policy packs under the key the CLI writes: `PolicyPacks`
 * (sdk/go/common/apitype/events.go SummaryEvent, `json:"PolicyPacks"`, kept PascalCase for
 * compatibility); the Node SDK's type names it `policyPacks`, a key no CLI sends.
 */
function summaryPolicyPacks(summary: SummaryEvent): Record<string, string> | undefined {
  return (summary as SummaryEvent & { PolicyPacks?: Record<string, string> }).PolicyPacks;
}

/** A default provider (`pulumi:providers:<pkg>` named default*), as sdk/go/common/providers/reference.go IsDefaultProvider tells it. */
export function isDefaultProvider(urn: string): boolean {
  const [, , qualifiedType = "", name = ""] = urn.split("::");
  const type = qualifiedType.split("$").pop() ?? "";
  return /^pulumi:providers:[^:]+$/.test(type) && name.startsWith("default");
}

/**
 * The lines of a failed command worth showing: Automation API's CommandError carries the whole
 * command output; keep its `error:` lines, masked.
 */
export function commandErrorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const errorLines = text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^error:/i.test(line));
  const chosen = errorLines.length > 0 ? [...new Set(errorLines)].join("\n") : text.split("\n").slice(0, 5).join("\n");
  return cleanMessage(chosen);
}

export function reportFromEvents(events: Iterable<EngineEvent>, mode: ReportMode, stack: string, outcome: RunOutcome = {}): EngineReport {
  const collector = new EngineEventCollector(mode, stack);
  for (const event of events) collector.onEvent(event);
  return collector.report(outcome);
}

/** drift: 0 in sync, 2 drift, 1 error. preview: 0 when it ran (changes or not), 1 on error or a mandatory policy violation. */
export function exitCodeFor(report: EngineReport): 0 | 1 | 2 {
  if (report.status === "error") return 1;
  if (report.status === "drift") return 2;
  return 0;
}
