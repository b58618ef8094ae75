// The stack's state, kept in a file like a `file://` backend's checkpoint. In memory, property
// values carry secrets in the wire wrapper ({sig, value}); on disk a secret becomes
// {sig, ciphertext} (AES-256-GCM under a passphrase-derived key, as the passphrase secrets
// provider does), so no secret is ever written in plain text.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import * as fs from "node:fs";
import { isSecret, Props, SECRET_SIG, SECRET_SIG_KEY } from "./wire";

export interface StateResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  parent?: string;
  /** Checked inputs, secrets wrapped; `__provider` included for dynamic resources. */
  inputs: Props;
  /** Outputs, secrets wrapped. */
  outputs: Props;
  dependencies: string[];
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  additionalSecretOutputs: string[];
  /** Why a create or update that made the object failed to initialise it; the next up updates it. */
  initErrors?: string[];
}

/** Resources in dependency order: each after everything it depends on. */
export interface DeployState {
  resources: StateResource[];
}

const STATE_VERSION = 1;
const SALT = "supabase-analytics-test-engine";

function key(passphrase: string): Buffer {
  return scryptSync(passphrase, SALT, 32);
}

function encrypt(value: unknown, passphrase: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(passphrase), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return `v1:${iv.toString("base64")}:${cipher.getAuthTag().toString("base64")}:${body.toString("base64")}`;
}

function decrypt(ciphertext: string, passphrase: string): unknown {
  const [version, iv, tag, body] = ciphertext.split(":");
  if (version !== "v1") throw new Error(`state: unknown ciphertext version ${version}`);
  const decipher = createDecipheriv("aes-256-gcm", key(passphrase), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return JSON.parse(Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8"));
}

function mapSecrets(value: unknown, fn: (wrapper: Props) => Props): unknown {
  if (typeof value === "object" && value !== null && (value as Props)[SECRET_SIG_KEY] === SECRET_SIG) return fn(value as Props);
  if (Array.isArray(value)) return value.map((inner) => mapSecrets(inner, fn));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, inner]) => [k, mapSecrets(inner, fn)]));
  return value;
}

export function serializeState(state: DeployState, passphrase: string): string {
  const sealed = mapSecrets(state.resources, (wrapper) => {
    if (!isSecret(wrapper)) throw new Error("state: malformed secret");
    return { [SECRET_SIG_KEY]: SECRET_SIG, ciphertext: encrypt(wrapper.value, passphrase) };
  });
  return `${JSON.stringify({ version: STATE_VERSION, resources: sealed }, null, 2)}\n`;
}

export function deserializeState(text: string, passphrase: string): DeployState {
  const parsed = JSON.parse(text) as { version: number; resources: unknown };
  if (parsed.version !== STATE_VERSION) throw new Error(`state: version ${parsed.version} is not ${STATE_VERSION}`);
  const resources = mapSecrets(parsed.resources, (wrapper) => ({
    [SECRET_SIG_KEY]: SECRET_SIG,
    value: decrypt(String(wrapper.ciphertext), passphrase),
  })) as StateResource[];
  return { resources };
}

export function readStateFile(file: string, passphrase: string): DeployState {
  if (!fs.existsSync(file)) return { resources: [] };
  return deserializeState(fs.readFileSync(file, "utf8"), passphrase);
}

/** Written whole through a rename, so a crash never leaves half a state. */
export function writeStateFile(file: string, state: DeployState, passphrase: string): void {
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, serializeState(state, passphrase), { mode: 0o600 });
  fs.renameSync(temporary, file);
}
