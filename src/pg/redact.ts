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
