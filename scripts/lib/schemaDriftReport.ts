// The drift report's sentence for the Schema resource (pulumi-nodejs:dynamic/postgres:Schema):
// its `drift` output holds one line per difference of the database from its migrations, and
// the report shows them one per line instead of as one quoted array. See docs/schema-drift.md.
import { maskSecrets } from "./secretMask";

/** The report line for a Schema whose live `drift` is `lines`; undefined when there is none. */
export function schemaDriftMessage(lines: unknown): string | undefined {
  if (!Array.isArray(lines) || lines.length === 0) return undefined;
  const count = `${lines.length} difference${lines.length === 1 ? "" : "s"} from the migrations`;
  const listed = lines.map((line) => `\n    - ${maskSecrets(String(line))}`).join("");
  return `${count}:${listed}\n    the next \`pulumi up --refresh\` puts back what holds no data and refuses the rest, naming it (docs/schema-drift.md)`;
}
