// The two checksums of a migration: the file's (sha256 hex of its bytes, the Migration
// resource's `checksum` input) and the recorded content's (sha256 hex of JSON.stringify of
// its statements: the history table has no checksum column, so this is defined only by what
// the row holds).
import { createHash } from "node:crypto";

export function sha256Hex(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The checksum of recorded content: sha256 hex of JSON.stringify(statements). */
export function statementsChecksum(statements: readonly string[]): string {
  return sha256Hex(JSON.stringify(statements));
}
