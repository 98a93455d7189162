/**
 * The terms of English text for BM25: lower case, accents folded (NFD, combining marks
 * dropped: "café" and "cafe" are one term), possessive 's dropped ("Sinbad's" = "sinbad"),
 * and the commonest function words left out so that they do not dilute a query.
 */
const STOP_WORDS = new Set(
  'a an and are as at be but by for from has have he her his i in is it its me my of on or our she so that the their them they this to was we were what who will with you your'.split(
    ' ',
  ),
);

export function processTerm(term: string): string | null {
  const folded = term
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['\u2019]s$/u, '')
    .replace(/['\u2019]/gu, '');
  if (folded === '' || STOP_WORDS.has(folded)) return null;
  return folded;
}

/** Words are runs of letters, digits and apostrophes (so "it's" stays one term until processTerm). */
export function tokenize(text: string): string[] {
  return text.match(/[\p{L}\p{N}'\u2019]+/gu) ?? [];
}
