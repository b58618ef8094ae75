// Errors of the Postgres resources: what PostgreSQL said (message, detail, hint, context),
// with every trace of the connection's password removed before it leaves the provider.
//
// Pulumi prints a provider's error message and stack as they are, and node-postgres or the
// server may echo a connection string (a URL typed into a statement, a client error), so
// every error that leaves an operation goes through redactSecrets (see connection.ts).

export const REDACTED = "***";

/** Errors built by the providers themselves: already worded and redacted, passed on as they are. */
export interface ProviderError extends Error {
  providerError: true;
  /** The SQLSTATE when PostgreSQL raised it. */
  code?: string;
}

export function providerError(message: string, code?: string): ProviderError {
  const error = new Error(message) as ProviderError;
  error.providerError = true;
  if (code) error.code = code;
  return error;
}

/**
 * An Error from any realm: errors of Node's own modules (URL, net) are not `instanceof` the
 * Error of a vm context such as jest's, so the checks here look at the shape instead.
 */
export function isErrorLike(error: unknown): error is Error {
  return typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string";
}

export function isProviderError(error: unknown): error is ProviderError {
  return isErrorLike(error) && (error as Partial<ProviderError>).providerError === true;
}

/** The fields of a node-postgres DatabaseError that the messages use. */
export interface PgErrorFields {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  where?: string;
  position?: string;
  internalPosition?: string;
  internalQuery?: string;
}

/**
 * A PostgreSQL error (a severity and a 5-character SQLSTATE), as opposed to a client or
 * network error, whose `code` is a Node.js code such as EPIPE.
 */
export function asPgError(error: unknown): PgErrorFields | undefined {
  if (!isErrorLike(error)) return undefined;
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  const fromServer = typeof severity === "string" && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
  return fromServer ? (error as Error & PgErrorFields) : undefined;
}

export function sqlState(error: unknown): string | undefined {
  return asPgError(error)?.code ?? (isProviderError(error) ? error.code : undefined);
}

export function hasSqlState(error: unknown, ...codes: string[]): boolean {
  const code = sqlState(error);
  return code !== undefined && codes.includes(code);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The spellings of the password that could appear in a message: raw, URL-encoded, as in the URL. */
function passwordSpellings(connection: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(connection);
  const userInfo = match?.[1] ?? "";
  const colon = userInfo.indexOf(":");
  if (colon === -1) return [];
  const raw = userInfo.slice(colon + 1);
  const spellings = new Set<string>([raw, encodeURIComponent(raw)]);
  try {
    const decoded = decodeURIComponent(raw);
    spellings.add(decoded);
    spellings.add(encodeURIComponent(decoded));
  } catch (error) {
    // A malformed %-escape: the raw spelling is the only one node-postgres could have used.
    if (!isErrorLike(error) || error.name !== "URIError") throw error;
  }
  return [...spellings].filter((spelling) => spelling.length > 0);
}

/**
 * Removes the connection string, its password in every spelling, and the password of any
 * other PostgreSQL URL or `password=` setting from a text. Overly eager on purpose: a short
 * password that is also a common word (the local cluster's `postgres`) is masked everywhere.
 */
export function redactSecrets(text: string, connection?: string): string {
  let result = text;
  if (connection) {
    result = result.split(connection).join(REDACTED);
    for (const spelling of passwordSpellings(connection).sort((a, b) => b.length - a.length)) {
      result = result.replace(new RegExp(escapeRegExp(spelling), "g"), REDACTED);
    }
  }
  return result
    .replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, `$1${REDACTED}@`)
    .replace(/(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi, `$1${REDACTED}`);
}

/** PostgreSQL's message with its detail, hint and context, one per line, for a provider error. */
export function describePgError(error: PgErrorFields): string {
  const lines = [`${error.message} (SQLSTATE ${error.code})`];
  if (error.detail) lines.push(`detail: ${error.detail}`);
  if (error.hint) lines.push(`hint: ${error.hint}`);
  if (error.where) lines.push(`where: ${error.where.split("\n").join(" <- ")}`);
  if (error.internalQuery) {
    lines.push(`in: ${error.internalQuery}${error.internalPosition ? ` (at character ${error.internalPosition})` : ""}`);
  }
  return lines.join("\n  ");
}

/**
 * Any error from an operation, as an error that names the operation and carries no secret.
 * Provider errors pass through (redacted once more, in case a statement echoed a URL).
 */
export function operationError(operation: string, error: unknown, connection: string): ProviderError {
  if (isProviderError(error)) {
    return providerError(redactSecrets(error.message, connection), error.code);
  }
  const pgError = asPgError(error);
  if (pgError) return providerError(redactSecrets(`${operation}: ${describePgError(pgError)}`, connection), pgError.code);
  const message = isErrorLike(error) ? error.message : String(error);
  return providerError(redactSecrets(`${operation}: ${message}`, connection));
}
