import { InputError } from '../errors.js';
import { KNOWN_MODELS, MODEL_DIMENSIONS, type ModelName } from '../types.js';

export interface ModelEvidence {
  /** --model, when given. */
  requested?: string | undefined;
  /** The library's model, once it has one. */
  library?: string | null | undefined;
  /** model_name values found in the data, with where each was first seen. */
  inData: ReadonlyMap<string, string>;
  dimension: number;
}

function isKnownModel(name: string): name is ModelName {
  return (KNOWN_MODELS as readonly string[]).includes(name);
}

/**
 * Decides which model made the imported embeddings: --model, the data's model_name,
 * the library's model, or the only known model of that dimension, in that order; any
 * disagreement between them is an error, because the spaces are not comparable.
 */
export function resolveModel(evidence: ModelEvidence): string {
  const named = [...evidence.inData.entries()];
  if (named.length > 1) {
    const [[a, whereA], [b, whereB]] = named as [[string, string], [string, string]];
    throw new InputError(
      `the import mixes models: ${a} (${whereA}) and ${b} (${whereB}); import each model into its own library`,
    );
  }
  const fromData = named[0]?.[0];
  const candidates = [
    ['`model`', evidence.requested],
    ['the data', fromData],
    ['the library', evidence.library ?? undefined],
  ] as const;
  let chosen: string | undefined;
  let chosenFrom = '';
  for (const [from, name] of candidates) {
    if (name === undefined) continue;
    if (chosen === undefined) {
      chosen = name;
      chosenFrom = from;
    } else if (name !== chosen) {
      throw new InputError(
        `${from} says the model is ${name} but ${chosenFrom} says ${chosen}; their embedding spaces are not comparable, so use a separate library`,
      );
    }
  }
  if (chosen === undefined) {
    const byDimension = KNOWN_MODELS.filter((model) => MODEL_DIMENSIONS[model] === evidence.dimension);
    if (byDimension.length === 1) return byDimension[0] as string;
    throw new InputError(
      `cannot tell which model made these ${evidence.dimension}-d embeddings; pass \`model\` (${KNOWN_MODELS.join(', ')}, or your own name for other embeddings)`,
    );
  }
  if (isKnownModel(chosen) && MODEL_DIMENSIONS[chosen] !== evidence.dimension) {
    throw new InputError(
      `${chosen} embeddings have ${MODEL_DIMENSIONS[chosen]} dimensions but these have ${evidence.dimension}; check \`model\` and the files`,
    );
  }
  return chosen;
}

/** What an embedding is called when the data does not say: Marengo 2.7 fuses visual and text. */
export function defaultEmbeddingOption(model: string): string {
  return model === 'Marengo-retrieval-2.7' ? 'visual-text' : 'visual';
}
