// What the SQL review reports, and where: a migration file, a line, the resource that applies it.

export interface MigrationSource {
  /** `sql/migrations/<version>_<name>.sql`. */
  file: string;
  sql: string;
  /** URN of the Migration resource, so the violation lands on it. */
  urn: string;
}

export interface SourceLocation {
  migration: MigrationSource;
  line: number;
  column?: number;
}

export interface Finding {
  /** Absent when the problem is something missing from every migration. */
  urn?: string;
  message: string;
}

export function at(location: SourceLocation): string {
  const column = location.column === undefined ? "" : `, column ${location.column}`;
  return `${location.migration.file} line ${location.line}${column}`;
}

export function findingAt(location: SourceLocation, problem: string): Finding {
  return { urn: location.migration.urn, message: `${at(location)}: ${problem}` };
}
