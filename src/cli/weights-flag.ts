import { InputError } from '../errors.js';

/** `a=0.6,b=0.4` as numbers >= 0 for the keys named; at least one above 0. */
export function parseWeights(text: string, keys: readonly string[]): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const [key, value, extra] = part.split('=');
    if (key === undefined || value === undefined || extra !== undefined)
      throw new InputError(`--weights: ${JSON.stringify(part)} is not NAME=NUMBER`);
    if (!keys.includes(key))
      throw new InputError(`--weights: unknown name ${JSON.stringify(key)}; the names are ${keys.join(', ')}`);
    const weight = Number(value);
    if (value.trim() === '' || !Number.isFinite(weight) || weight < 0)
      throw new InputError(`--weights: ${key} must be a number >= 0, got ${JSON.stringify(value)}`);
    weights[key] = weight;
  }
  if (!Object.values(weights).some((w) => w > 0))
    throw new InputError('--weights: give at least one weight above 0, e.g. vector=0.5,text=0.5');
  return weights;
}
