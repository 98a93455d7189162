/** The models the emulator knows, their vector size and which API generation accepts them. */
export interface ModelSpec {
  name: string;
  dimension: number;
  v1: boolean;
  v2: boolean;
}

const MODELS: readonly ModelSpec[] = [
  { name: 'marengo3.0', dimension: 512, v1: true, v2: true },
  // The spec lists only marengo3.0; the newest SDK sends marengo3.5 (its own, incompatible space).
  { name: 'marengo3.5', dimension: 512, v1: false, v2: true },
  { name: 'Marengo-retrieval-2.7', dimension: 1024, v1: true, v2: false },
];

export function findModel(name: string, api: 'v1' | 'v2'): ModelSpec | undefined {
  return MODELS.find((model) => model.name === name && model[api]);
}

export function modelNames(api: 'v1' | 'v2'): string[] {
  return MODELS.filter((model) => model[api]).map((model) => model.name);
}
