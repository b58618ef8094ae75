// Masks credentials in text that a report prints. The engine already replaces secret values with
// "[secret]"; this is the second line of defence for values that reach a message unmarked
// (a connection URL inside an error, a DSN in a diagnostic).

export const SECRET_PLACEHOLDER = "[secret]";

/** `scheme://user:password@host` → `scheme://user:***@host`. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi;
/** `password=...` in a libpq key/value DSN or a query string. */
const KEYWORD_PASSWORD = /\b(password|passwd|pwd)=([^\s&;]+)/gi;
/** Supabase personal access tokens (sbp_…) and service keys passed in messages. */
const SUPABASE_TOKEN = /\bsbp_[A-Za-z0-9]{20,}\b/g;

export function maskSecrets(text: string): string {
  return text
    .replace(URL_PASSWORD, "$1***@")
    .replace(KEYWORD_PASSWORD, "$1=***")
    .replace(SUPABASE_TOKEN, "sbp_***");
}

/** A database URL safe to print: the password replaced, everything else kept for orientation. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return maskSecrets(parsed.toString());
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_INVALID_URL") return maskSecrets(url);
    throw error;
  }
}
