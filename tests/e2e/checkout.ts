// A copy of the checkout in a temporary folder, for tests that edit the program's files or move
// the checkout: the files the program needs are copied, node_modules is linked.
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/cluster";

/** What a checkout needs to run the program. */
const CHECKOUT_FILES = ["Pulumi.yaml", "Pulumi.local.yaml", "Pulumi.dev.yaml", "package.json", "tsconfig.json", "infra", "sql"];

export function copyCheckout(to: string): string {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of CHECKOUT_FILES) fs.cpSync(path.join(REPO_ROOT, entry), path.join(to, entry), { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(to, "node_modules"));
  return to;
}

/** Replaces text in a file of the copy; fails when there is nothing to replace. */
export function editFile(checkout: string, file: string, from: string | RegExp, to: string): void {
  const target = path.join(checkout, file);
  const text = fs.readFileSync(target, "utf8");
  const edited = text.replace(from, to);
  if (edited === text) throw new Error(`${file}: nothing to replace for ${String(from)}`);
  fs.writeFileSync(target, edited);
}
