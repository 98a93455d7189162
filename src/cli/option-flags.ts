/**
 * Library messages name what a caller of the API passes (`dir`, `vector`,
 * `doctor({ repair: true })`); the CLI prints each as what its user types instead.
 * One table: a library message that names an option in backticks adds its row here.
 */
const FLAGS: ReadonlyMap<string, string> = new Map([
  ['`dir`', '--lib'],
  ['`openLibrary(dir, { create: true })`', '`vsearch build --lib DIR ...`'],
  ['`doctor({ repair: true })`', '`vsearch doctor --repair`'],
  ['`importSegments`', '`vsearch build --lib NEW --from FILE`'],
  ['`index.M`', '--index-m'],
  ['`index.efConstruction`', '--ef-construction'],
  ['`text`', 'query text'],
  ['`image`', '--image'],
  ['`audio`', '--audio'],
  ['`video`', '--video'],
  ['`vector`', '--vector'],
  ['`like`', '--like'],
  ['`offline`', '--offline'],
  ['`searchOptions`', '--search-options'],
  ['`minScore`', '--min-score'],
  ['`clipLengthSec`', '--clip-length'],
  ['`from`', '--from'],
  ['`model`', '--model'],
  ['`groupBy`', '--group-by'],
  ['`operator`', '--operator'],
  ['`threshold`', '--threshold'],
  ['`mode`', '--mode'],
  ['`fusion`', '--fusion'],
  ['`partitionSearch`', '--partition-search'],
]);

const NAMED = /`[^`\n]+`/g;

/** `message` with each option the table knows named as its flag. */
export function inFlagTerms(message: string): string {
  return message.replace(NAMED, (named) => FLAGS.get(named) ?? named);
}
