// Live catalog against the expected schema: one finding per difference, each with its line
// for the report, whether it is security-relevant, and what `up` does about it (statements
// that put it back, or a refusal naming the object). See docs/schema-drift.md.
import { createHash } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { Acl, CatalogObject, objectKey, ObjectKind, OBJECT_KINDS, schemaOf } from "./schemaCatalog";
import type { GrantSpec } from "./objectNames";

/** The expected schema: what a fresh deploy of the migrations leaves (sql/schema.json). */
export interface ExpectedSchema {
  /** The migrations it was generated from, in order: `<version> <sha256 of the file>`. */
  migrations: string[];
  /** Schemas the migrations create: every object in them is ours, and one no migration made is unexpected. */
  ownedSchemas: string[];
  /** Every object the migrations own, normalized (schemaCatalog.ts). */
  objects: CatalogObject[];
}

/** How up handles a finding. */
export type Repair =
  /** Statements run in one transaction under the migration lock. */
  | { kind: "sql"; order: number; statements: string[] }
  /** Run one by one outside a transaction (create/drop index concurrently). */
  | { kind: "concurrent"; statements: string[] }
  /** Privileges: put back after the other repairs, from a fresh read. */
  | { kind: "acl" }
  /** Data-holding: up refuses and names the object. */
  | { kind: "refuse" };

export interface Finding {
  line: string;
  security: boolean;
  repair: Repair;
}

/** Order of the transactional repairs: drops of what is unexpected first, then what others use before their users. */
const ORDER = { dropPolicy: 0, dropTrigger: 1, dropView: 2, dropFunction: 3, function: 4, view: 5, trigger: 6, policy: 7, flag: 8, owner: 9 } as const;

const GRANT_OBJECT_WORD: Partial<Record<ObjectKind, string>> = {
  schema: "schema",
  type: "type",
  sequence: "sequence",
  table: "table",
  view: "table",
  "materialized view": "table",
  function: "function",
};

const MAX_QUOTED_LINES = 3;

/** A role name as SQL: PUBLIC is a keyword, the rest quoted. */
function roleSql(role: string): string {
  return role === "public" ? "public" : `"${role.replace(/"/g, '""')}"`;
}

function identSql(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function label(object: CatalogObject): string {
  if (object.kind === "schema" || object.kind === "event trigger") return `${object.kind} ${object.name}`;
  if (object.parent) return `${object.kind} ${object.kind === "index" ? object.name : identSql(object.name)} on ${object.parent}`;
  return object.name;
}

function whatIs(object: CatalogObject): string {
  return object.parent || object.kind === "schema" || object.kind === "event trigger" ? label(object) : `${object.kind} ${object.name}`;
}

/** A catalog value in a message: text as it is, anything else as JSON. */
function shown(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value ?? null);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function collapsed(text: unknown): string {
  return typeof text === "string" ? text.replace(/\s+/g, " ").trim() : JSON.stringify(text ?? null);
}

/** Lines of a body, trailing blanks ignored. */
function bodyLines(text: unknown): string[] {
  return String(text ?? "")
    .split("\n")
    .map((line) => line.trimEnd());
}

function quote(line: string): string {
  const trimmed = line.trim();
  return `"${trimmed.length > 80 ? `${trimmed.slice(0, 77)}…` : trimmed}"`;
}

/** `the line "…" is missing; the line "…" is extra`: what a reviewer needs to see first. */
export function describeBodyDifference(expected: unknown, live: unknown): string {
  const want = bodyLines(expected).filter((line) => line.trim() !== "");
  const have = bodyLines(live).filter((line) => line.trim() !== "");
  const haveCount = new Map<string, number>();
  for (const line of have) haveCount.set(line.trim(), (haveCount.get(line.trim()) ?? 0) + 1);
  const missing: string[] = [];
  for (const line of want) {
    const left = haveCount.get(line.trim()) ?? 0;
    if (left > 0) haveCount.set(line.trim(), left - 1);
    else missing.push(line);
  }
  const wantCount = new Map<string, number>();
  for (const line of want) wantCount.set(line.trim(), (wantCount.get(line.trim()) ?? 0) + 1);
  const extra: string[] = [];
  for (const line of have) {
    const left = wantCount.get(line.trim()) ?? 0;
    if (left > 0) wantCount.set(line.trim(), left - 1);
    else extra.push(line);
  }
  if (missing.length + extra.length > MAX_QUOTED_LINES) {
    const counted = (lines: string[], what: string) =>
      lines.length === 0 ? [] : [`${lines.length} line${lines.length === 1 ? " is" : "s are"} ${what} (the first: ${quote(lines[0])})`];
    return [...counted(missing, "missing"), ...counted(extra, "extra")].join(", ");
  }
  const parts = [...missing.map((line) => `the line ${quote(line)} is missing`), ...extra.map((line) => `the line ${quote(line)} is extra`)];
  return parts.length > 0 ? parts.join("; ") : "the lines are the same but in another order or indentation";
}

/** Privileges the Grant resources own (the admin surface): left out of both sides. */
export function managedPrivileges(grants: readonly GrantSpec[]): Map<string, Set<string>> {
  const managed = new Map<string, Set<string>>();
  for (const grant of grants) {
    const kinds: ObjectKind[] = grant.objectType === "table" ? ["table", "view", "materialized view"] : [grant.objectType];
    for (const kind of kinds) {
      const key = `${kind} ${grant.object}`;
      if (!managed.has(key)) managed.set(key, new Set());
      managed.get(key)!.add(`${grant.role}:${grant.privilege}`);
    }
  }
  return managed;
}

function withoutManaged(acl: Acl | undefined, managed: Set<string> | undefined): Acl {
  const result: Acl = {};
  for (const [grantee, privileges] of Object.entries(acl ?? {})) {
    const kept = privileges.filter((privilege) => !managed?.has(`${grantee}:${privilege.replace(/ with grant option$/, "")}`));
    if (kept.length > 0) result[grantee] = kept;
  }
  return result;
}

interface Grantee {
  grantee: string;
  privilege: string;
}

function aclEntries(acl: Acl): Grantee[] {
  return Object.entries(acl).flatMap(([grantee, privileges]) => privileges.map((privilege) => ({ grantee, privilege })));
}

/** Extra and missing privileges of one ACL against the expected one. */
export function aclDifference(expected: Acl, live: Acl): { extra: Grantee[]; missing: Grantee[] } {
  const key = (entry: Grantee) => `${entry.grantee}\0${entry.privilege}`;
  const want = new Set(aclEntries(expected).map(key));
  const have = new Set(aclEntries(live).map(key));
  return {
    extra: aclEntries(live).filter((entry) => !want.has(key(entry))),
    missing: aclEntries(expected).filter((entry) => !have.has(key(entry))),
  };
}

function grantWords(entries: Grantee[]): string {
  return entries.map((entry) => `${entry.privilege} to ${entry.grantee}`).join(", ");
}

/** grant/revoke statements that turn `live` into `expected` for one object. */
export function aclStatements(object: CatalogObject, expected: Acl, live: Acl, column?: string): string[] {
  const word = GRANT_OBJECT_WORD[object.kind];
  if (!word) return [];
  const target = `${word} ${object.name}`;
  const privilegeSql = (privilege: string) => {
    const base = privilege.replace(/ with grant option$/, "");
    return column ? `${base} (${identSql(column)})` : base;
  };
  const { extra, missing } = aclDifference(expected, live);
  return [
    ...extra.map((entry) => `revoke ${privilegeSql(entry.privilege)} on ${target} from ${roleSql(entry.grantee)} cascade`),
    ...missing.map(
      (entry) => `grant ${privilegeSql(entry.privilege)} on ${target} to ${roleSql(entry.grantee)}${entry.privilege.endsWith(" with grant option") ? " with grant option" : ""}`,
    ),
  ];
}

const FUNCTION_ATTRIBUTES = ["language", "volatility", "strict", "leakproof", "parallel", "arguments", "returns", "kind"] as const;

function isDefiner(object: CatalogObject | undefined): boolean {
  return object?.props.security === "definer";
}

const EXPOSED_ROLES = ["anon", "public"];

/** Grants that the policy calls security-relevant: to anon or PUBLIC anywhere; to authenticated on a definer function. */
function securityGrant(object: CatalogObject, entry: Grantee): boolean {
  if (EXPOSED_ROLES.includes(entry.grantee)) return true;
  return entry.grantee === "authenticated" && object.kind === "function" && isDefiner(object);
}

function restoreSql(order: number, statements: string[]): Repair {
  return { kind: "sql", order, statements };
}

function ownerStatement(object: CatalogObject, owner: string): string | undefined {
  const word: Partial<Record<ObjectKind, string>> = {
    schema: "schema",
    type: "type",
    sequence: "sequence",
    table: "table",
    view: "view",
    "materialized view": "materialized view",
    function: object.props.kind === "procedure" ? "procedure" : "function",
  };
  return word[object.kind] ? `alter ${word[object.kind]} ${object.name} owner to ${roleSql(owner)}` : undefined;
}

function functionDefinition(object: CatalogObject): string {
  return String(object.props.definition ?? "");
}

/** CREATE [UNIQUE] INDEX → … CONCURRENTLY, so writers of the table are not blocked. */
function concurrently(definition: string): string {
  return definition.replace(/^CREATE (UNIQUE )?INDEX /, (_match, unique: string | undefined) => `CREATE ${unique ?? ""}INDEX CONCURRENTLY `);
}

function triggerStatements(object: CatalogObject): string[] {
  const statements = [`drop trigger if exists ${identSql(object.name)} on ${object.parent}`, String(object.props.definition)];
  const enabled = object.props.enabled as string;
  if (enabled !== "enabled") statements.push(enableTriggerStatement(object, enabled));
  return statements;
}

function enableTriggerStatement(object: CatalogObject, enabled: string): string {
  const how: Record<string, string> = { enabled: "enable", disabled: "disable", replica: "enable replica", always: "enable always" };
  return `alter table ${object.parent} ${how[enabled]} trigger ${identSql(object.name)}`;
}

function policyStatements(object: CatalogObject): string[] {
  const props = object.props as { command: string; permissive: boolean; roles: string[]; using?: string; check?: string };
  const create = [
    `create policy ${identSql(object.name)} on ${object.parent}`,
    `as ${props.permissive ? "permissive" : "restrictive"}`,
    `for ${props.command}`,
    `to ${props.roles.map(roleSql).join(", ")}`,
    ...(props.using ? [`using (${props.using})`] : []),
    ...(props.check ? [`with check (${props.check})`] : []),
  ].join(" ");
  return [`drop policy if exists ${identSql(object.name)} on ${object.parent}`, create];
}

function viewStatements(object: CatalogObject): string[] {
  return [`create or replace view ${object.name} as ${String(object.props.definition).replace(/;\s*$/, "")}`];
}

/** What up does to put a missing or changed object back (the object as expected). */
function recreate(object: CatalogObject): Repair {
  switch (object.kind) {
    case "function":
      return restoreSql(ORDER.function, [functionDefinition(object)]);
    case "view":
      return restoreSql(ORDER.view, viewStatements(object));
    case "trigger":
      return restoreSql(ORDER.trigger, triggerStatements(object));
    case "policy":
      return restoreSql(ORDER.policy, policyStatements(object));
    case "index":
      if (object.props.constraint) return { kind: "refuse" };
      return { kind: "concurrent", statements: [`drop index concurrently if exists ${object.name}`, concurrently(String(object.props.definition))] };
    default:
      return { kind: "refuse" };
  }
}

/** What up does with an object no migration made: drop what holds no data, refuse the rest. */
function removal(object: CatalogObject): Repair {
  switch (object.kind) {
    case "function":
      return restoreSql(ORDER.dropFunction, [`drop ${object.props.kind === "procedure" ? "procedure" : "function"} ${object.name}`]);
    case "view":
      return restoreSql(ORDER.dropView, [`drop view ${object.name}`]);
    case "trigger":
      return restoreSql(ORDER.dropTrigger, [`drop trigger ${identSql(object.name)} on ${object.parent}`]);
    case "policy":
      return restoreSql(ORDER.dropPolicy, [`drop policy ${identSql(object.name)} on ${object.parent}`]);
    case "index":
      return object.props.constraint ? { kind: "refuse" } : { kind: "concurrent", statements: [`drop index concurrently if exists ${object.name}`] };
    default:
      return { kind: "refuse" };
  }
}

function finding(object: CatalogObject, message: string, repair: Repair, security = false): Finding {
  return { line: `${label(object)}: ${message}`, security, repair };
}

function columnDifferences(expected: CatalogObject, live: CatalogObject): Finding[] {
  const want = (expected.props.columns ?? {}) as Record<string, string>;
  const have = (live.props.columns ?? {}) as Record<string, string>;
  const findings: Finding[] = [];
  for (const [column, definition] of Object.entries(want)) {
    if (!(column in have)) findings.push(finding(expected, `column ${column} is missing (expected ${definition})`, { kind: "refuse" }));
    else if (have[column] !== definition) findings.push(finding(expected, `column ${column} is ${have[column]}, expected ${definition}`, { kind: "refuse" }));
  }
  for (const column of Object.keys(have)) {
    if (!(column in want)) findings.push(finding(expected, `unexpected column ${column} ${have[column]}`, { kind: "refuse" }));
  }
  return findings;
}

function aclFindings(expected: CatalogObject, live: CatalogObject, managed: Map<string, Set<string>>): Finding[] {
  if (!GRANT_OBJECT_WORD[expected.kind]) return [];
  const ours = managed.get(`${expected.kind} ${expected.name}`);
  const { extra, missing } = aclDifference(withoutManaged(expected.props.acl as Acl, ours), withoutManaged(live.props.acl as Acl, ours));
  const findings: Finding[] = [];
  if (extra.length > 0) {
    const security = extra.some((entry) => securityGrant(live, entry));
    findings.push(finding(expected, `extra grant${extra.length > 1 ? "s" : ""}: ${grantWords(extra)}`, { kind: "acl" }, security));
  }
  if (missing.length > 0) findings.push(finding(expected, `missing grant${missing.length > 1 ? "s" : ""}: ${grantWords(missing)}`, { kind: "acl" }));
  const columnsWant = (expected.props.columnAcl ?? {}) as Record<string, Acl>;
  const columnsHave = (live.props.columnAcl ?? {}) as Record<string, Acl>;
  for (const column of [...new Set([...Object.keys(columnsWant), ...Object.keys(columnsHave)])].sort()) {
    const difference = aclDifference(columnsWant[column] ?? {}, columnsHave[column] ?? {});
    if (difference.extra.length > 0) {
      const security = difference.extra.some((entry) => securityGrant(live, entry));
      findings.push(finding(expected, `extra grant on column ${column}: ${grantWords(difference.extra)}`, { kind: "acl" }, security));
    }
    if (difference.missing.length > 0) findings.push(finding(expected, `missing grant on column ${column}: ${grantWords(difference.missing)}`, { kind: "acl" }));
  }
  return findings;
}

function ownerFinding(expected: CatalogObject, live: CatalogObject): Finding[] {
  const [want, have] = [expected.props.owner, live.props.owner];
  if (want === undefined || same(want, have)) return [];
  const statement = ownerStatement(expected, String(want));
  const repair: Repair = statement ? restoreSql(ORDER.owner, [statement]) : { kind: "refuse" };
  return [finding(expected, `owner is ${String(have)}, expected ${String(want)}`, repair, isDefiner(expected) || isDefiner(live))];
}

function functionFindings(expected: CatalogObject, live: CatalogObject): Finding[] {
  const security = isDefiner(expected) || isDefiner(live);
  const messages: string[] = [];
  if (!same(expected.props.body, live.props.body)) messages.push(`body differs: ${describeBodyDifference(expected.props.body, live.props.body)}`);
  if (expected.props.security !== live.props.security) messages.push(`is security ${String(live.props.security)}, expected security ${String(expected.props.security)}`);
  if (!same(expected.props.settings, live.props.settings)) {
    const show = (value: unknown) => ((value as string[]) ?? []).join(", ") || "none";
    messages.push(`settings are ${show(live.props.settings)}, expected ${show(expected.props.settings)}`);
  }
  for (const attribute of FUNCTION_ATTRIBUTES) {
    if (!same(expected.props[attribute], live.props[attribute])) {
      messages.push(`${attribute} is ${shown(live.props[attribute])}, expected ${shown(expected.props[attribute])}`);
    }
  }
  if (messages.length === 0) return [];
  // A changed result type or argument list (names, defaults) cannot be replaced in place.
  const statements = same(expected.props.returns, live.props.returns) && same(expected.props.arguments, live.props.arguments)
    ? [functionDefinition(expected)]
    : [`drop function ${expected.name}`, functionDefinition(expected)];
  return messages.map((message) => finding(expected, message, restoreSql(ORDER.function, statements), security));
}

function flagFindings(expected: CatalogObject, live: CatalogObject): Finding[] {
  const findings: Finding[] = [];
  if (expected.props.rowLevelSecurity !== undefined && expected.props.rowLevelSecurity !== live.props.rowLevelSecurity) {
    const on = expected.props.rowLevelSecurity === true;
    findings.push(
      finding(expected, `row level security is ${on ? "off" : "on"}`, restoreSql(ORDER.flag, [`alter table ${expected.name} ${on ? "enable" : "disable"} row level security`]), on),
    );
  }
  if (expected.props.forceRowLevelSecurity !== undefined && expected.props.forceRowLevelSecurity !== live.props.forceRowLevelSecurity) {
    const on = expected.props.forceRowLevelSecurity === true;
    findings.push(
      finding(expected, `forced row level security is ${on ? "off" : "on"}`, restoreSql(ORDER.flag, [`alter table ${expected.name} ${on ? "" : "no "}force row level security`])),
    );
  }
  return findings;
}

/** The differences of one object present on both sides (ACL and owner included). */
function objectFindings(expected: CatalogObject, live: CatalogObject, managed: Map<string, Set<string>>): Finding[] {
  const findings: Finding[] = [...ownerFinding(expected, live), ...aclFindings(expected, live, managed)];
  switch (expected.kind) {
    case "function":
      findings.push(...functionFindings(expected, live));
      break;
    case "table":
      findings.push(...flagFindings(expected, live), ...columnDifferences(expected, live));
      if (!same(expected.props.options, live.props.options)) findings.push(finding(expected, `storage options are ${JSON.stringify(live.props.options ?? [])}, expected ${JSON.stringify(expected.props.options ?? [])}`, { kind: "refuse" }));
      break;
    case "view":
      if (collapsed(expected.props.definition) !== collapsed(live.props.definition) || !same(expected.props.options, live.props.options)) {
        findings.push(finding(expected, "view definition differs", recreate(expected)));
      }
      break;
    case "materialized view":
      if (collapsed(expected.props.definition) !== collapsed(live.props.definition)) findings.push(finding(expected, "materialized view definition differs", { kind: "refuse" }));
      break;
    case "trigger":
      if (collapsed(expected.props.definition) !== collapsed(live.props.definition)) findings.push(finding(expected, "trigger definition differs", recreate(expected)));
      else if (expected.props.enabled !== live.props.enabled) {
        findings.push(finding(expected, `is ${String(live.props.enabled)}, expected ${String(expected.props.enabled)}`, restoreSql(ORDER.trigger, [enableTriggerStatement(expected, String(expected.props.enabled))])));
      }
      break;
    case "policy":
      for (const key of ["command", "permissive", "roles", "using", "check"]) {
        if (!same(expected.props[key], live.props[key])) {
          findings.push(finding(expected, `${key} is ${shown(live.props[key])}, expected ${shown(expected.props[key])}`, recreate(expected)));
        }
      }
      break;
    case "index":
      if (collapsed(expected.props.definition) !== collapsed(live.props.definition)) findings.push(finding(expected, "index definition differs", recreate(expected)));
      else if (live.props.valid === false) findings.push(finding(expected, "index is invalid (a concurrent build failed)", recreate(expected)));
      break;
    case "constraint":
      if (collapsed(expected.props.definition) !== collapsed(live.props.definition)) {
        findings.push(finding(expected, `is ${String(live.props.definition)}, expected ${String(expected.props.definition)}`, { kind: "refuse" }));
      }
      break;
    default:
      for (const key of Object.keys({ ...expected.props, ...live.props })) {
        if (key === "owner" || key === "acl" || same(expected.props[key], live.props[key])) continue;
        findings.push(finding(expected, `${key} is ${shown(live.props[key])}, expected ${shown(expected.props[key])}`, { kind: "refuse" }));
      }
  }
  return findings;
}

function missingFinding(object: CatalogObject): Finding {
  const repair = recreate(object);
  const security = object.kind === "policy" || (object.kind === "function" && isDefiner(object));
  return { line: `missing ${whatIs(object)}`, security, repair };
}

function unexpectedFinding(object: CatalogObject): Finding {
  const exposedTo = Object.keys((object.props.acl ?? {}) as Acl).filter((grantee) => [...EXPOSED_ROLES, "authenticated"].includes(grantee));
  const definer = isDefiner(object);
  const detail = definer ? `: security definer${exposedTo.length > 0 ? `, executable by ${exposedTo.join(", ")}` : ""}` : "";
  return { line: `unexpected ${whatIs(object)}${detail}`, security: definer, repair: removal(object) };
}

/** Is a live object ours: in a schema the migrations create, or a part of a relation they own? */
function inScope(object: CatalogObject, expected: ExpectedSchema, ownedNames: Set<string>): boolean {
  if (object.kind === "event trigger") return false;
  if (object.schema && expected.ownedSchemas.includes(object.schema)) return true;
  return object.parent !== undefined && ownedNames.has(object.parent);
}

function kindRank(object: CatalogObject): number {
  return OBJECT_KINDS.indexOf(object.kind);
}

/** Every difference between the expected schema and the live catalog, in a stable order. */
export function compareSchema(expected: ExpectedSchema, live: readonly CatalogObject[], grants: readonly GrantSpec[]): Finding[] {
  const managed = managedPrivileges(grants);
  const liveByKey = new Map(live.map((object) => [objectKey(object), object]));
  const expectedKeys = new Set(expected.objects.map(objectKey));
  const ownedNames = new Set(expected.objects.filter((object) => !object.parent).map((object) => object.name));
  const ordered = [...expected.objects].sort((a, b) => kindRank(a) - kindRank(b) || objectKey(a).localeCompare(objectKey(b)));
  const findings: Finding[] = [];
  for (const object of ordered) {
    const current = liveByKey.get(objectKey(object));
    findings.push(...(current ? objectFindings(object, current, managed) : [missingFinding(object)]));
  }
  const unexpected = live
    .filter((object) => !expectedKeys.has(objectKey(object)) && inScope(object, expected, ownedNames))
    .sort((a, b) => kindRank(a) - kindRank(b) || objectKey(a).localeCompare(objectKey(b)));
  findings.push(...unexpected.map(unexpectedFinding));
  return findings;
}

/** What the live read covers: the owned schemas whole, and the owned objects elsewhere with their parts. */
export function catalogScope(expected: ExpectedSchema): { schemas: string[]; objects: string[] } {
  const outside = expected.objects.filter((object) => !object.parent && !(object.schema && expected.ownedSchemas.includes(object.schema)));
  return { schemas: [...expected.ownedSchemas], objects: [...new Set(outside.map((object) => object.name))].sort() };
}

/** ACL statements that turn every live object's privileges into the expected ones (admin surface left alone). */
export function aclRepairs(expected: ExpectedSchema, live: readonly CatalogObject[], grants: readonly GrantSpec[]): string[] {
  const managed = managedPrivileges(grants);
  const liveByKey = new Map(live.map((object) => [objectKey(object), object]));
  const statements: string[] = [];
  for (const object of expected.objects) {
    const current = liveByKey.get(objectKey(object));
    if (!current || !GRANT_OBJECT_WORD[object.kind]) continue;
    const ours = managed.get(`${object.kind} ${object.name}`);
    statements.push(...aclStatements(object, withoutManaged(object.props.acl as Acl, ours), withoutManaged(current.props.acl as Acl, ours)));
    const columnsWant = (object.props.columnAcl ?? {}) as Record<string, Acl>;
    const columnsHave = (current.props.columnAcl ?? {}) as Record<string, Acl>;
    for (const column of [...new Set([...Object.keys(columnsWant), ...Object.keys(columnsHave)])].sort()) {
      statements.push(...aclStatements(object, columnsWant[column] ?? {}, columnsHave[column] ?? {}, column));
    }
  }
  return statements;
}

export { schemaOf };

/** Why an expected schema does not fit the stack's migrations (`<version> <sha256>` each), or undefined. */
export function staleExpectedSchema(expected: ExpectedSchema, migrations: readonly string[]): string | undefined {
  if (JSON.stringify(expected.migrations) === JSON.stringify(migrations)) return undefined;
  const recorded = new Set(expected.migrations);
  const current = new Set(migrations);
  const differing = [...migrations.filter((entry) => !recorded.has(entry)), ...expected.migrations.filter((entry) => !current.has(entry))].map(
    (entry) => entry.split(" ")[0],
  );
  return (
    `the expected schema (sql/schema.json) was generated from other migrations than the stack's ` +
    `(differing: ${[...new Set(differing)].sort().join(", ") || "their order"}): run \`npm run gen:schema\` and commit the result`
  );
}

/**
 * The expected schema as the Schema resource's input: `<sha256 of its JSON>:<gzip, base64>`.
 * The JSON (sql/schema.json's content, about 240 KB) sits in the state twice, as an input and
 * as an output; packed it is about a tenth of that. The hash names the content, so a zlib that
 * compresses differently changes nothing (diff compares hashes).
 */
export function packExpectedSchema(schema: ExpectedSchema): string {
  const json = JSON.stringify(schema);
  return `${createHash("sha256").update(json).digest("hex")}:${gzipSync(json).toString("base64")}`;
}

/** The hash part of a packed expected schema (what diff compares). */
export function packedSchemaHash(packed: string): string {
  return packed.slice(0, packed.indexOf(":"));
}

/** The expected schema a packed input holds; throws a clear Error when it is not one. */
export function unpackExpectedSchema(packed: string): ExpectedSchema {
  const separator = typeof packed === "string" ? packed.indexOf(":") : -1;
  if (separator !== 64) throw new Error("not a packed expected schema (<sha256>:<gzip base64>; infra/postgres/schemaDrift.ts packExpectedSchema)");
  const json = gunzipSync(Buffer.from(packed.slice(separator + 1), "base64")).toString("utf8");
  if (createHash("sha256").update(json).digest("hex") !== packed.slice(0, separator)) throw new Error("the packed expected schema does not match its hash");
  const schema = JSON.parse(json) as ExpectedSchema;
  if (!Array.isArray(schema.objects) || !Array.isArray(schema.ownedSchemas) || !Array.isArray(schema.migrations)) {
    throw new Error("the expected schema lacks migrations, ownedSchemas or objects (sql/schema.json)");
  }
  return schema;
}
