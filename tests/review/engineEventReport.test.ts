// The drift/preview report built from engine-event streams shaped like Automation API's onEvent.
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { CommandError } from "@pulumi/pulumi/automation";
import {
  EngineEventCollector,
  exitCodeFor,
  isDefaultProvider,
  propertyDifferences,
  reportFromEvents,
  UNKNOWN_VALUE,
} from "../../scripts/lib/engineEventReport";
import { formatReportJson, formatReportMarkdown, formatReportText } from "../../scripts/lib/reportFormat";
import {
  configChangeStream,
  CRON_JOB,
  deletedProjectStream,
  DEV_RESOURCES,
  EventStream,
  GRANT,
  noDriftStream,
  policyViolationStream,
  providerUpgradeStream,
  refreshErrorStream,
  revokedGrantStream,
  scheduleDriftStream,
  STACK,
  stateOf,
} from "./fixtures/engineEvents";

/** What the CLI throws for --expect-no-changes when something changed (Automation API's CommandError). */
function noChangesExpectedError(): CommandError {
  const error = Object.create(CommandError.prototype) as CommandError;
  Object.defineProperty(error, "message", {
    value:
      "code: 255\n stdout: Previewing update (dev)\n\n stderr: error: no changes were expected but changes were proposed\n err?: Error: exit status 255\n",
  });
  return error;
}

function drift(events: EngineEvent[], commandError?: unknown) {
  return reportFromEvents(events, "drift", STACK, { commandError });
}

describe("drift report", () => {
  test("the summary's policy packs are read under the key the CLI writes (PolicyPacks)", () => {
    expect(drift(noDriftStream()).policyPacks).toEqual({ "supabase-analytics": "v0.1.0" });
  });

  test("a config change that only updates the default provider is not drift (as --expect-no-changes passes)", () => {
    const report = drift(configChangeStream());
    expect(report.status).toBe("in-sync");
    expect(report.changes).toEqual([]);
    expect(exitCodeFor(report)).toBe(0);
  });

  test("only default providers are the engine's own: an explicit provider's update still counts", () => {
    expect(isDefaultProvider("urn:pulumi:dev::supabase-analytics::pulumi:providers:pulumi-nodejs::default")).toBe(true);
    expect(isDefaultProvider("urn:pulumi:dev::supabase-analytics::pulumi:providers:random::default_4_21_2")).toBe(true);
    expect(isDefaultProvider("urn:pulumi:dev::supabase-analytics::pulumi:providers:random::mine")).toBe(false);
    expect(isDefaultProvider("urn:pulumi:dev::supabase-analytics::pulumi-nodejs:dynamic/postgres:Grant::default-grant")).toBe(false);
  });

  test("no drift: in sync, exit 0, nothing listed", () => {
    const report = drift(noDriftStream());
    expect(report.status).toBe("in-sync");
    expect(report.changes).toEqual([]);
    expect(exitCodeFor(report)).toBe(0);
    expect(formatReportText(report)).toBe(`Drift check of stack dev: in sync (${DEV_RESOURCES.length + 2} resources unchanged).\n`);
  });

  test("schedule drift: one line with the property, the live value and the declared value; exit 2", () => {
    const report = drift(scheduleDriftStream(), noChangesExpectedError());
    expect(report.status).toBe("drift");
    expect(exitCodeFor(report)).toBe(2);
    expect(report.changes).toEqual([
      expect.objectContaining({
        name: "cron-refresh-analytics-views",
        type: "postgres:CronJob",
        kind: "drifted",
        properties: [{ property: "schedule", live: "*/15 * * * *", declared: "*/30 * * * *", secret: false }],
      }),
    ]);
    const text = formatReportText(report);
    expect(text).toContain('  cron-refresh-analytics-views: schedule is "*/15 * * * *" in the database, "*/30 * * * *" in the stack\n');
    expect(text).toContain("pulumi up --stack dev");
    // The CLI's own complaint is the drift signal, not an error.
    expect(report.errors).toEqual([]);
  });

  test("revoked grant: read found no grant, so the resource is gone and will be granted again", () => {
    const report = drift(revokedGrantStream(), noChangesExpectedError());
    expect(exitCodeFor(report)).toBe(2);
    expect(report.changes).toHaveLength(1);
    const [change] = report.changes;
    expect(change).toMatchObject({ name: "grant-authenticated-analytics.manual_refresh", kind: "gone", op: "create" });
    expect(formatReportText(report)).toContain(
      "grant-authenticated-analytics.manual_refresh: revoked in the database: execute on function analytics.manual_refresh() " +
        "to authenticated is missing; the next `pulumi up` grants it again",
    );
  });

  test("the refresh result also counts when the engine reports it with op refresh (preview --refresh in one deployment)", () => {
    const events = revokedGrantStream().map((event) => {
      const metadata = event.resOutputsEvent?.metadata;
      if (!metadata || metadata.op === "create" || metadata.op === "same") return event;
      return { ...event, resOutputsEvent: { ...event.resOutputsEvent!, metadata: { ...metadata, op: "refresh" as const } } };
    });
    const report = drift(events, noChangesExpectedError());
    expect(report.changes.map((c) => [c.name, c.kind])).toEqual([["grant-authenticated-analytics.manual_refresh", "gone"]]);
  });

  test("deleted project: the project and its API settings are gone and will be created", () => {
    const report = drift(deletedProjectStream(), noChangesExpectedError());
    expect(exitCodeFor(report)).toBe(2);
    expect(report.changes.map((c) => [c.name, c.kind])).toEqual([
      ["auth-hook-custom-access-token", "gone"],
      ["postgrest-config", "gone"],
      ["project", "gone"],
    ]);
    const project = report.changes.find((c) => c.name === "project");
    expect(project?.message).toMatch(/^gone: the Supabase project no longer exists; the next `pulumi up` creates a new, empty project/);
    expect(formatReportMarkdown(report)).toContain("| `project` | `supabase:Project` | gone | gone: the Supabase project no longer exists");
  });

  test("a resource that is created without having been refreshed away is a plain create, not gone", () => {
    const declared = stateOf(GRANT);
    const events = new EventStream().prelude().step("create", GRANT, undefined, { ...declared, id: "", outputs: {} }).summary({ create: 1 }).build();
    expect(drift(events).changes[0]).toMatchObject({ kind: "create", message: "will be created" });
  });

  test("provider code change only: reported as such, with nothing to change in the database", () => {
    const report = drift(providerUpgradeStream(), noChangesExpectedError());
    expect(report.changes).toHaveLength(DEV_RESOURCES.length);
    expect(report.changes.every((c) => c.kind === "provider-upgrade")).toBe(true);
    expect(report.changes.find((c) => c.name === "cron-refresh-analytics-views")?.message).toBe(
      'provider code changed (providerVersion "9c1d2e3f4a5b6c7d" → "0a1b2c3d4e5f6a7b"); nothing differs in the database; ' +
        "the next `pulumi up` stores the new provider code",
    );
  });

  test("a failing refresh is an error (exit 1), with the cause masked and the colour codes gone", () => {
    const report = drift(refreshErrorStream("connect ECONNREFUSED for postgresql://postgres:hunter2@db.example.supabase.co:5432/postgres"));
    expect(report.status).toBe("error");
    expect(exitCodeFor(report)).toBe(1);
    expect(report.errors).toEqual([
      { severity: "error", resource: "extension-pg_cron", message: "connect ECONNREFUSED for postgresql://postgres:***@db.example.supabase.co:5432/postgres" },
      { severity: "error", message: "preview failed" },
    ]);
    expect(formatReportText(report)).not.toContain("hunter2");
  });

  test("terminal colour codes do not reach the report", () => {
    const report = drift(refreshErrorStream("\u001b[31mconnect ECONNREFUSED 10.0.0.5:5432\u001b[0m"));
    expect(report.errors[0].message).toBe("connect ECONNREFUSED 10.0.0.5:5432");
  });

  test("a command error other than --expect-no-changes is an error even without error events", () => {
    const report = drift(noDriftStream(), new Error("error: could not load plugin for pulumi-nodejs provider"));
    expect(report.status).toBe("error");
    expect(report.errors).toEqual([{ severity: "error", message: "error: could not load plugin for pulumi-nodejs provider" }]);
  });

  test("changes the CLI reports but no event explains still count as drift, with a warning", () => {
    const report = drift(noDriftStream(), noChangesExpectedError());
    expect(report.status).toBe("drift");
    expect(report.warnings[0].message).toMatch(/no engine event explained/);
  });
});

describe("preview report", () => {
  test("policy violation: the planned change and the mandatory violation are listed; exit 1", () => {
    const report = reportFromEvents(policyViolationStream(), "preview", STACK);
    expect(report.status).toBe("error");
    expect(exitCodeFor(report)).toBe(1);
    expect(report.changes).toEqual([
      expect.objectContaining({
        name: "cron-refresh-analytics-views",
        kind: "update",
        message: 'schedule from "*/30 * * * *" to "*/15 * * * *"',
      }),
    ]);
    expect(report.policies).toEqual([
      {
        policy: "supabase-analytics-refresh-schedule",
        pack: "supabase-analytics",
        enforcementLevel: "mandatory",
        resource: "cron-refresh-analytics-views",
        urn: expect.stringMatching(/::cron-refresh-analytics-views$/),
        message: expect.stringMatching(/^The refresh-analytics-views CronJob runs every 30 minutes.*\nCronJob refresh-analytics-views has schedule/s),
      },
    ]);
    const text = formatReportText(report);
    expect(text).toContain("Preview of stack dev: failed (1 mandatory policy violation).");
    expect(text).toContain("[mandatory] supabase-analytics-refresh-schedule on cron-refresh-analytics-views: The refresh-analytics-views");
    expect(text).not.toContain("<{%");
  });

  test("an advisory violation does not fail the preview", () => {
    const events = policyViolationStream().map((event) =>
      event.policyEvent ? { ...event, policyEvent: { ...event.policyEvent, enforcementLevel: "warning" as const } } : event,
    );
    const report = reportFromEvents(events, "preview", STACK);
    expect(report.status).toBe("changes");
    expect(exitCodeFor(report)).toBe(0);
  });

  test("no changes: exit 0", () => {
    const report = reportFromEvents(noDriftStream(), "preview", STACK);
    expect(report.status).toBe("no-changes");
    expect(exitCodeFor(report)).toBe(0);
  });

  test("a replacement shown as three steps is one change naming the keys that force it", () => {
    const old = stateOf(CRON_JOB);
    const declared = stateOf(CRON_JOB, { inputs: { jobName: "refresh-analytics" } });
    const events = new EventStream()
      .step("create-replacement", CRON_JOB, old, declared, { keys: ["jobName"] })
      .step("replace", CRON_JOB, old, declared, { keys: ["jobName"] })
      .step("delete-replaced", CRON_JOB, old, declared, { keys: ["jobName"] })
      .summary({ replace: 1 })
      .build();
    const report = reportFromEvents(events, "preview", STACK);
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]).toMatchObject({ kind: "replace", replaceKeys: ["jobName"] });
    expect(report.changes[0].message).toBe('will be replaced because jobName cannot change in place: jobName from "refresh-analytics-views" to "refresh-analytics"');
  });
});

describe("secrets", () => {
  test("values the engine masked stay masked, and the connection input is never reported", () => {
    const old = stateOf(CRON_JOB);
    const declared = stateOf(CRON_JOB, { inputs: { command: "[secret]" } });
    const differences = propertyDifferences({ op: "update", urn: old.urn, type: old.type, old, new: declared, provider: old.provider, diffs: ["command", "connection"] });
    expect(differences).toEqual([{ property: "command", secret: true }]);
  });

  test("no report format contains a secret from the stream", () => {
    const events = scheduleDriftStream();
    const password = "s3cr3t-Pa55";
    // A value that escaped the engine's masking still does not reach the report.
    events.push({
      sequence: 999,
      timestamp: 1,
      diagnosticEvent: { message: `warning: retrying postgres://postgres.abc:${password}@aws-0-eu-central-1.pooler.supabase.com:5432/postgres`, color: "raw", severity: "warning" },
    });
    const report = drift(events, noChangesExpectedError());
    for (const output of [formatReportText(report), formatReportMarkdown(report), formatReportJson(report)]) {
      expect(output).not.toContain(password);
      expect(output).not.toContain("__provider");
      expect(output).toContain("postgres.abc:***@");
    }
  });
});

describe("formats", () => {
  test("JSON carries the same findings and the exit code", () => {
    const report = drift(scheduleDriftStream(), noChangesExpectedError());
    const json = JSON.parse(formatReportJson(report)) as Record<string, unknown>;
    expect(json).toMatchObject({
      mode: "drift",
      stack: "dev",
      status: "drift",
      exitCode: 2,
      changes: [{ name: "cron-refresh-analytics-views", properties: [{ property: "schedule", live: "*/15 * * * *", declared: "*/30 * * * *" }] }],
      summary: { same: DEV_RESOURCES.length + 1, update: 1 },
    });
  });

  test("Markdown has one table row per drifted property, with pipes escaped", () => {
    const live = stateOf(CRON_JOB, { outputs: { command: "select 1 | 2" } });
    const events = new EventStream().step("update", CRON_JOB, live, stateOf(CRON_JOB)).summary({ update: 1 }).build();
    const markdown = formatReportMarkdown(drift(events));
    expect(markdown).toContain("| Resource | Type | Change | Property | Live | Declared |");
    expect(markdown).toContain(
      '| `cron-refresh-analytics-views` | `postgres:CronJob` | drifted | `command` | `"select 1 \\| 2"` | `"select analytics.refresh_all_views()"` |',
    );
  });

  test("a value computed during up is shown as such, not as the engine's placeholder", () => {
    const old = stateOf(CRON_JOB);
    const declared = stateOf(CRON_JOB, { inputs: { command: UNKNOWN_VALUE } });
    const events = new EventStream().step("update", CRON_JOB, old, declared).summary({ update: 1 }).build();
    expect(reportFromEvents(events, "preview", STACK).changes[0].message).toBe(
      'command from "select analytics.refresh_all_views()" to (known after up)',
    );
  });

  test("the collector can be handed to onEvent directly", () => {
    const collector = new EngineEventCollector("drift", STACK);
    scheduleDriftStream().forEach(collector.onEvent);
    expect(collector.report().changes.map((c) => c.name)).toEqual(["cron-refresh-analytics-views"]);
  });
});
