/** All of stdin as UTF-8 text (for `--vector -`); on a terminal, says how to end the input. */
export async function readStdinText(stdin: NodeJS.ReadStream = process.stdin): Promise<string> {
  if (stdin.isTTY) process.stderr.write('reading the vector from stdin: paste the JSON, then press Ctrl-D\n');
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
