// Errors that leave a provider: worded by the provider, and without any secret.
//
// Pulumi prints a provider's error message and stack as they are, and a library or a server
// may echo a connection string or a token (a URL typed into a statement, a client error), so
// every message that leaves an operation goes through redactSecrets.

/** What every secret is replaced with, in every message. */
export const REDACTED = "***";

/** Errors built by the providers themselves: already worded and redacted, passed on as they are. */
export interface ProviderError extends Error {
  providerError: true;
  /** The SQLSTATE when PostgreSQL raised it. */
  code?: string;
  /** Set when the operation never reached the database: the URL, the network, the server's admission or authentication. */
  connectFailed?: true;
}

export function providerError(message: string, code?: string): ProviderError {
  const error = new Error(message) as ProviderError;
  error.providerError = true;
  if (code) error.code = code;
  return error;
}

/**
 * An Error from any realm: errors of Node's own modules (URL, net, fetch) are not `instanceof`
 * the Error of a vm context such as jest's, so the checks look at the shape instead.
 */
export function isErrorLike(error: unknown): error is Error {
  return typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string";
}

export function isProviderError(error: unknown): error is ProviderError {
  return isErrorLike(error) && (error as Partial<ProviderError>).providerError === true;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Raw, %-encoded and %-decoded: the ways a library could have written a secret into a message. */
function spellings(value: string): string[] {
  const result = new Set<string>([value, encodeURIComponent(value)]);
  try {
    const decoded = decodeURIComponent(value);
    result.add(decoded);
    result.add(encodeURIComponent(decoded));
  } catch (error) {
    // A malformed %-escape: the raw spelling is the only one a library could have used.
    if (!isErrorLike(error) || error.name !== "URIError") throw error;
  }
  return [...result];
}

/** The password of a `scheme://user:password@host` secret, if it is one. */
function urlPassword(secret: string): string | undefined {
  const userInfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/?#]*)@/i.exec(secret)?.[1] ?? "";
  const colon = userInfo.indexOf(":");
  return colon === -1 ? undefined : userInfo.slice(colon + 1);
}

/**
 * Removes each given secret (a connection URL, a token), a URL's password in every spelling,
 * and the password of any other PostgreSQL URL or `password=` setting from a text. Overly
 * eager on purpose: a short password that is also a common word (the local cluster's
 * `postgres`) is masked everywhere.
 */
export function redactSecrets(text: string, ...secrets: string[]): string {
  const values = secrets.flatMap((secret) => {
    const password = urlPassword(secret);
    return [secret, ...spellings(secret), ...(password ? spellings(password) : [])];
  });
  let result = text;
  for (const value of [...new Set(values)].filter((v) => v.length > 0).sort((a, b) => b.length - a.length)) {
    result = result.replace(new RegExp(escapeRegExp(value), "g"), REDACTED);
  }
  return result
    .replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, `$1${REDACTED}@`)
    .replace(/(password\s*=\s*)('[^']*'|"[^"]*"|\S+)/gi, `$1${REDACTED}`);
}
