/**
 * A small validator for the JSON Schema subset the TwelveLabs OpenAPI documents use:
 * $ref, type (incl. arrays and "null"), nullable, enum, const, properties, required, items,
 * additionalProperties, allOf, anyOf and oneOf. oneOf is checked as anyOf: the spec's
 * embedding `metadata` variants overlap, and the SDK discriminates on input_type instead.
 * With `strict`, properties a schema does not declare are reported too (catches misspelt fields).
 */
export type Schema = { [key: string]: unknown };

export interface WalkOptions {
  strict?: boolean;
}

export class SchemaWalker {
  constructor(private readonly document: Schema) {}

  resolve(schema: Schema): Schema {
    let current = schema;
    for (let depth = 0; typeof current['$ref'] === 'string' && depth < 50; depth += 1) {
      const ref = current['$ref'] as string;
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>(
          (node, key) => (node as Schema | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
          this.document,
        );
      if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
      current = target as Schema;
    }
    return current;
  }

  validate(value: unknown, schema: Schema, path = '$', options: WalkOptions = {}): string[] {
    const s = this.resolve(schema);
    const errors: string[] = [];
    if (Array.isArray(s['allOf']))
      for (const sub of s['allOf'] as Schema[]) errors.push(...this.validate(value, sub, path, options));
    for (const key of ['anyOf', 'oneOf'] as const) {
      const variants = s[key];
      if (!Array.isArray(variants)) continue;
      const results = (variants as Schema[]).map((sub) => this.validate(value, sub, path, options));
      if (!results.some((r) => r.length === 0)) {
        const closest = results.reduce((a, b) => (b.length < a.length ? b : a));
        errors.push(`${path}: matches none of ${key} (closest: ${closest.join('; ')})`);
      }
    }
    if (value === null) {
      const types = this.types(s);
      if (s['nullable'] === true || types.includes('null') || (types.length === 0 && s['enum'] === undefined))
        return errors;
      if (Array.isArray(s['enum']) && (s['enum'] as unknown[]).includes(null)) return errors;
      return [...errors, `${path}: null is not allowed`];
    }
    const types = this.types(s);
    if (types.length > 0 && !types.some((type) => this.isType(value, type)))
      return [...errors, `${path}: expected ${types.join('|')}, got ${JSON.stringify(value)?.slice(0, 60)}`];
    if (Array.isArray(s['enum']) && !(s['enum'] as unknown[]).includes(value))
      errors.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s['enum'])}`);
    if (s['const'] !== undefined && s['const'] !== value)
      errors.push(`${path}: expected const ${JSON.stringify(s['const'])}`);
    if (Array.isArray(value) && s['items'] !== undefined)
      value.forEach((item, i) => errors.push(...this.validate(item, s['items'] as Schema, `${path}[${i}]`, options)));
    if (typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const properties = (s['properties'] ?? {}) as Record<string, Schema>;
      for (const name of (s['required'] ?? []) as string[])
        if (!(name in record)) errors.push(`${path}: missing required ${name}`);
      for (const [name, item] of Object.entries(record)) {
        const prop = properties[name];
        if (prop !== undefined) errors.push(...this.validate(item, prop, `${path}.${name}`, options));
        else if (typeof s['additionalProperties'] === 'object')
          errors.push(...this.validate(item, s['additionalProperties'] as Schema, `${path}.${name}`, options));
        else if (
          s['additionalProperties'] === false ||
          (options.strict === true &&
            s['properties'] !== undefined &&
            s['additionalProperties'] === undefined &&
            !this.hasCombinator(s))
        ) {
          errors.push(`${path}: unexpected property ${name}`);
        }
      }
    }
    return errors;
  }

  private hasCombinator(s: Schema): boolean {
    return s['allOf'] !== undefined || s['anyOf'] !== undefined || s['oneOf'] !== undefined;
  }

  private types(s: Schema): string[] {
    const type = s['type'];
    if (typeof type === 'string') return [type];
    if (Array.isArray(type)) return type as string[];
    return [];
  }

  private isType(value: unknown, type: string): boolean {
    switch (type) {
      case 'null':
        return value === null;
      case 'object':
        return typeof value === 'object' && value !== null && !Array.isArray(value);
      case 'array':
        return Array.isArray(value);
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value);
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'string':
        return typeof value === 'string';
      case 'boolean':
        return typeof value === 'boolean';
      default:
        return true;
    }
  }

  /** The JSON schema of an operation's response, if the document declares one. */
  responseSchema(method: string, path: string, status: number): Schema | undefined {
    const paths = this.document['paths'] as Record<string, Record<string, Schema>> | undefined;
    const operation = paths?.[path]?.[method.toLowerCase()];
    const responses = operation?.['responses'] as Record<string, Schema> | undefined;
    const response = responses?.[String(status)];
    if (response === undefined) return undefined;
    const content = this.resolve(response)['content'] as Record<string, Schema> | undefined;
    return content?.['application/json']?.['schema'] as Schema | undefined;
  }
}
