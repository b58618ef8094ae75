// The checksum of a migration as recorded in supabase_migrations.schema_migrations.statements.
//
// It must agree with what the Migration provider (infra/postgres/) reports from `read` and
// compares with the file's checksum: the plan calls a version "applied" when this equals the
// local file's sha256 (infra/migrations.ts sha256Hex). The provider records the file content in
// `statements`; joining the recorded statements gives that content back.
import { sha256Hex } from "../../infra/migrations";

export function recordedChecksum(statements: readonly string[]): string {
  return sha256Hex(statements.join(""));
}
