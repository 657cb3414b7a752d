/**
 * Credentials never reach a log line or an error message: URLs are printed with their password
 * replaced by `***` (the user name stays, it tells which account), and so are password-like query
 * parameters. A caller that knows its secrets (the passwords of the URLs it was given, a token from
 * the environment) also masks them wherever else they might show up, percent-decoded or not.
 */

export const REDACTED = '***';

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*)(?::([^\s/?#@]*))?@/gi;
const SECRET_PARAMS = /([?&](?:password|pass|pwd|passwd|token|secret|sslpassword|auth)=)[^&#\s]*/gi;

/** `postgres://bob:s3cret@db:5432/x` → `postgres://bob:***@db:5432/x`; text without credentials is unchanged. */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** Masks the credentials of every URL in `text`, then every one of `secrets` (longest first). */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(URL_USERINFO, (_match, scheme: string, user: string, password: string | undefined) =>
      password === undefined ? `${scheme}${user}@` : `${scheme}${user}:${REDACTED}@`,
    )
    .replace(SECRET_PARAMS, `$1${REDACTED}`);
  const sorted = [...new Set(secrets.filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = out.split(secret).join(REDACTED);
  return out;
}

/** The secrets a URL carries: its password (as written and percent-decoded) and password-like parameters. */
export function secretsOf(url: string): string[] {
  const secrets: string[] = [];
  const add = (value: string | null | undefined) => {
    if (!value) return;
    secrets.push(value);
    try {
      const decoded = decodeURIComponent(value);
      if (decoded !== value) secrets.push(decoded);
    } catch {
      // Not valid percent-encoding: the raw form is enough.
    }
  };
  try {
    const parsed = new URL(url);
    add(parsed.password);
    for (const [key, value] of parsed.searchParams)
      if (/^(password|pass|pwd|passwd|token|secret|sslpassword|auth)$/i.test(key)) add(value);
  } catch {
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:([^\s/?#@]*)@/i.exec(url);
    add(match?.[1]);
  }
  return secrets;
}

/** A redactor that knows some secrets: `redactor.text(line)` masks them and every URL's credentials. */
export class Redactor {
  private readonly secrets: string[] = [];

  constructor(urls: readonly (string | undefined)[] = [], secrets: readonly (string | undefined)[] = []) {
    for (const url of urls) if (url) this.secrets.push(...secretsOf(url));
    for (const secret of secrets) if (secret) this.secrets.push(secret);
  }

  /** Adds a secret to mask from now on. */
  add(secret: string | undefined): void {
    if (secret) this.secrets.push(secret);
  }

  text(text: string): string {
    return redactText(text, this.secrets);
  }

  /**
   * An Error whose message and stack no longer hold a secret. The original is not kept (not even as
   * `cause`, which `--debug` prints); its `code`, if any, is, so callers can still tell what happened.
   */
  error(error: unknown): Error & { code?: unknown } {
    const message = this.text(error instanceof Error ? error.message : String(error));
    const clean: Error & { code?: unknown } = new Error(message);
    if (error instanceof Error) {
      clean.name = error.name;
      clean.stack = this.text(error.stack ?? message);
      const code = (error as { code?: unknown }).code;
      if (code !== undefined) clean.code = code;
    }
    return clean;
  }
}
