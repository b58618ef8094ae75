// A fingerprint of the dynamic providers' code, stored as each resource's `providerVersion` input.
//
// Pulumi runs `refresh` and `delete` with the provider code saved in state. When the code
// changes, this input changes too, so `pulumi preview` shows an update on every dynamic
// resource and the next `up` stores the new code (see docs/providers.md).
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Code every provider's serialized closure can hold besides its own folder. */
const SHARED_FOLDERS = [__dirname, path.resolve(__dirname, "../migrations")];

const cache = new Map<string, string>();

function hashFolder(hash: ReturnType<typeof createHash>, folder: string): void {
  for (const file of fs.readdirSync(folder).filter((name) => name.endsWith(".ts")).sort()) {
    hash.update(file).update("\0").update(fs.readFileSync(path.join(folder, file))).update("\0");
  }
}

/** sha256 (first 16 hex) over the .ts files of one provider folder and of the shared toolkit and migrations module. */
export function providerVersion(folder: string): string {
  const cached = cache.get(folder);
  if (cached) return cached;
  const hash = createHash("sha256");
  for (const each of [folder, ...SHARED_FOLDERS]) hashFolder(hash, each);
  const version = hash.digest("hex").slice(0, 16);
  cache.set(folder, version);
  return version;
}
