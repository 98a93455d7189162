/** The connection string with its password (and any password= parameter) replaced by ***. */
export function redactUrl(url: string): string {
  return url
    .replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*:)[^@/?#]*@/i, '$1***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** A message with every appearance of `secret` (a password) replaced by ***. */
export function redactSecret(message: string, secret: string | undefined): string {
  return secret === undefined || secret === '' ? message : message.split(secret).join('***');
}

/** The passwords of the postgres:// URLs among `texts` (command-line arguments, VSEARCH_LIB). */
export function passwordsIn(texts: readonly (string | undefined)[]): string[] {
  const passwords: string[] = [];
  for (const text of texts) {
    if (text === undefined || !/^postgres(?:ql)?:\/\//i.test(text)) continue;
    try {
      const url = new URL(text);
      for (const secret of [decodeURIComponent(url.password), url.searchParams.get('password') ?? ''])
        if (secret !== '') passwords.push(secret);
    } catch {
      // Not a URL: nothing of it is a password vsearch could have passed on.
    }
  }
  return passwords;
}

/** A message as it may be printed: connection strings redacted, and every password in `secrets` replaced by ***. */
export function redactMessage(message: string, secrets: readonly string[]): string {
  const urlsRedacted = message
    .replace(/(postgres(?:ql)?:\/\/[^:/@?#\s]*:)[^@/?#\s]*@/gi, '$1***@')
    .replace(/([?&]password=)[^&#\s]*/gi, '$1***');
  return secrets.reduce((text, secret) => redactSecret(text, secret), urlsRedacted);
}
