// The resource classes under Pulumi's mock runtime: type tokens, inputs, secret outputs and the
// provider reference; and the `__provider` text exactly as the state holds it, loaded the way
// the dynamic-provider host loads it and run against the fake Management API.
import * as pulumi from "@pulumi/pulumi";
import { AuthHook, PostgrestConfig, Project } from "../../infra/supabase";
import { UNKNOWN } from "../../infra/toolkit";
import { useFakeManagementApi } from "./helpers";

/** How a secret value travels in the engine protocol. */
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  additionalSecretOutputs: string[];
}

const registrations: Registration[] = [];
const secretOutputsByName = new Map<string, string[]>();

/** What the engine would answer: the inputs plus made-up outputs. */
function mockOutputs(type: string, inputs: Record<string, unknown>): Record<string, unknown> {
  if (type.endsWith(":Project")) {
    return {
      ...inputs,
      ref: "abcdefghijklmnopqrst",
      apiUrl: "https://abcdefghijklmnopqrst.supabase.co",
      dbHost: "db.abcdefghijklmnopqrst.supabase.co",
      status: "ACTIVE_HEALTHY",
      connection: "postgresql://postgres.abcdefghijklmnopqrst:pw@pooler.example:5432/postgres?sslmode=require",
    };
  }
  if (type.endsWith(":PostgrestConfig")) return { ...inputs, addedSchemas: ["analytics"], exposedSchemas: ["public", "analytics"] };
  return inputs;
}

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registrations.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          additionalSecretOutputs: secretOutputsByName.get(args.name) ?? [],
        });
        return { id: `${args.name}-id`, state: mockOutputs(args.type, args.inputs) };
      },
      call: (args) => args.inputs,
    },
    "supabase-analytics",
    "unit",
    false,
  );
  // The mock callback does not see resource options: read them off the registration request.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: { getName(): string; getAdditionalsecretoutputsList(): string[] }, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    secretOutputsByName.set(req.getName(), req.getAdditionalsecretoutputsList());
    return register(req, callback);
  };
});

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

function registration(name: string): Registration {
  const found = registrations.find((entry) => entry.name === name);
  if (!found) throw new Error(`no registration named ${name}`);
  return found;
}

describe("resource classes under mocks", () => {
  it("Project: token, secret connection/dbPass/accessToken, provider version", async () => {
    const project = new Project("project", {
      name: "analytics-dev",
      organizationSlug: "learning-app",
      region: "eu-central-1",
      instanceSize: "micro",
      dbPass: "plain-password-made-secret",
      accessToken: "sbp_plain_token_made_secret",
      apiUrl: "https://api.supabase.com",
    });
    expect(await valueOf(project.urn)).toBe("urn:pulumi:unit::supabase-analytics::pulumi-nodejs:dynamic/supabase:Project::project");
    expect(await valueOf(project.ref)).toBe("abcdefghijklmnopqrst");
    expect(await valueOf(project.apiUrl)).toBe("https://abcdefghijklmnopqrst.supabase.co");
    expect(await pulumi.isSecret(project.connection)).toBe(true);
    expect(await valueOf(project.connection)).toContain("sslmode=require");
    expect(await pulumi.isSecret(project.dbHost)).toBe(false);

    const registered = registration("project");
    expect(registered.type).toBe("pulumi-nodejs:dynamic/supabase:Project");
    expect(registered.additionalSecretOutputs).toEqual(expect.arrayContaining(["connection", "dbPass", "accessToken"]));
    expect(registered.inputs).toMatchObject({
      name: "analytics-dev",
      organizationSlug: "learning-app",
      region: "eu-central-1",
      instanceSize: "micro",
    });
    expect(registered.inputs).not.toHaveProperty("providerVersion");
    // A reference to the provider in the checkout, by paths relative to infra/ and the project root.
    expect(registered.inputs.__provider).toMatch(/^exports\.handler=.*"infra\/toolkit\/providerHost\.js".*provider\("supabase\/project","projectProvider"\).*\n$/);
    // Secret inputs reach the engine as secrets, whatever the caller passed.
    expect(registered.inputs.dbPass).toEqual({ [SECRET_SIG_KEY]: SECRET_SIG, value: "plain-password-made-secret" });
    expect(registered.inputs.accessToken).toEqual({ [SECRET_SIG_KEY]: SECRET_SIG, value: "sbp_plain_token_made_secret" });
    expect(registered.inputs.apiUrl).toBe("https://api.supabase.com");
  });

  it("Project keeps additionalSecretOutputs given by the caller", async () => {
    const project = new Project("project-extra", { projectRef: "abcdefghijklmnopqrst", dbPass: "pw" }, { additionalSecretOutputs: ["dbHost"] });
    await valueOf(project.urn);
    expect(registration("project-extra").additionalSecretOutputs.sort()).toEqual(["accessToken", "connection", "dbHost", "dbPass"]);
  });

  it("PostgrestConfig and AuthHook: tokens, props, secret accessToken", async () => {
    const config = new PostgrestConfig("postgrest", {
      projectRef: "abcdefghijklmnopqrst",
      schemas: ["analytics"],
      accessToken: "sbp_token",
    });
    const hook = new AuthHook("hook", {
      projectRef: "abcdefghijklmnopqrst",
      hook: "custom_access_token",
      enabled: true,
      uri: "pg-functions://postgres/public/custom_access_token_hook",
    });
    expect(await valueOf(config.urn)).toContain("pulumi-nodejs:dynamic/supabase:PostgrestConfig::postgrest");
    expect(await valueOf(hook.urn)).toContain("pulumi-nodejs:dynamic/supabase:AuthHook::hook");
    expect(await valueOf(config.exposedSchemas)).toEqual(["public", "analytics"]);
    expect(await valueOf(hook.enabled)).toBe(true);
    expect(registration("postgrest").additionalSecretOutputs).toContain("accessToken");
    expect(registration("hook").additionalSecretOutputs).toContain("accessToken");
    expect(registration("postgrest").inputs.accessToken).toEqual({ [SECRET_SIG_KEY]: SECRET_SIG, value: "sbp_token" });
    expect(registration("hook").inputs).toMatchObject({
      projectRef: "abcdefghijklmnopqrst",
      hook: "custom_access_token",
      enabled: true,
      uri: "pg-functions://postgres/public/custom_access_token_hook",
    });
  });
});

describe("the provider reference in the state", () => {
  const ctx = useFakeManagementApi();

  /** Loads a provider from its __provider text the way the dynamic-provider host does. */
  function deserialize(text: string): pulumi.dynamic.ResourceProvider {
    const requireFromString = require("require-from-string") as (code: string) => { handler(): pulumi.dynamic.ResourceProvider };
    return requireFromString(text).handler();
  }

  it("runs a Project and an AuthHook lifecycle against the fake, from the text stored in the state", async () => {
    const project = new Project("serialized-project", {
      name: "analytics-dev",
      organizationSlug: "learning-app",
      region: "eu-central-1",
      instanceSize: "micro",
      dbPass: "pw",
    });
    const authHook = new AuthHook("serialized-hook", {
      projectRef: "abcdefghijklmnopqrst",
      hook: "custom_access_token",
      enabled: true,
      uri: "pg-functions://postgres/public/custom_access_token_hook",
    });
    await Promise.all([valueOf(project.urn), valueOf(authHook.urn)]);
    const projectProvider = deserialize(registration("serialized-project").inputs.__provider as string);
    const hookProvider = deserialize(registration("serialized-hook").inputs.__provider as string);

    // The loaded code runs outside jest's module registry (plain Node, TypeScript through
    // ts-node as in the plugin), so it gets the API by input.
    const api = { accessToken: ctx.fake.token, apiUrl: ctx.fake.url };
    const check = await projectProvider.check!({}, { name: "x", organizationSlug: "learning-app", region: "eu-central-1", instanceSize: "micro", dbPass: UNKNOWN, ...api });
    expect(check.failures).toEqual([]);
    const created = await projectProvider.create({
      name: "analytics-dev",
      organizationSlug: "learning-app",
      region: "eu-central-1",
      instanceSize: "micro",
      dbPass: "pw",
      ...api,
    });
    expect(created.outs).toMatchObject({ ref: created.id, status: "ACTIVE_HEALTHY", connection: expect.stringContaining(":pw@") });
    const hook = await hookProvider.create({
      projectRef: created.id,
      hook: "custom_access_token",
      enabled: true,
      uri: "pg-functions://postgres/public/custom_access_token_hook",
      ...api,
    });
    expect(ctx.fake.projects.get(created.id)?.auth.hook_custom_access_token_enabled).toBe(true);
    await hookProvider.delete!(hook.id, hook.outs);
    await projectProvider.delete!(created.id, created.outs);
    expect(ctx.fake.projects.size).toBe(0);
  });
});
