// `npm run plan -- [--database-url <url> | --stack <name>] [--markdown <file>] [--json <file>]`
// Every migration in version order with version, name, checksum and state (applied, pending,
// changed-after-apply, missing-locally), and the full SQL of each pending one. Reads the live
// history in a read-only transaction; without a database it lists the local files only.
// See docs/review.md.
import { runPlanCommand } from "./lib/planCommand";
import { maskSecrets } from "./lib/secretMask";

runPlanCommand(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`plan: unexpected failure: ${maskSecrets(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`);
    process.exit(1);
  },
);
