import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiCalls, type ApiName } from '../../schemas/api.ts';
import { createApi, type Api } from '../../electron/services/api/handlers.ts';
import { createServices, type Services } from '../../electron/services/index.ts';
import { tempDir } from '../helpers/home.ts';

// For every call of the API table: malformed input is refused by the call's schema with INVALID_INPUT,
// and no service is touched. The services are real (over a temp data folder) but reached only through
// a Proxy that records every property read once the API is built; the store and the data folder are
// compared before and after as well.

type JsonSchema = { type?: string | string[]; properties?: Record<string, JsonSchema>; required?: string[]; enum?: unknown[]; const?: unknown; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[]; items?: JsonSchema; minItems?: number; minLength?: number; minimum?: number; exclusiveMinimum?: number; default?: unknown; pattern?: string; format?: string };

/** A value the JSON Schema accepts, built from its simplest branch (minimum lengths and bounds respected). */
function sample(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const branch = schema.anyOf ?? schema.oneOf;
  if (branch) return sample(branch[0]);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((part) => sample(part) as object));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return schema.format === 'date-time' ? new Date(0).toISOString() : 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    case 'number':
    case 'integer':
      return Math.max(1, schema.minimum ?? 0, (schema.exclusiveMinimum ?? 0) + 1);
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((key) => [key, sample(schema.properties?.[key] ?? {})]));
    default:
      return {};
  }
}

/** A valid input for a call, from its schema; the malformed ones are made by changing one thing in it. */
function validInput(name: ApiName): Record<string, unknown> {
  const schema = ApiCalls[name].input;
  const value = sample(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`cannot build a valid input for ${name}: ${parsed.error.message}`);
  return value as Record<string, unknown>;
}

/** Inputs that the call's schema must refuse, each with what is wrong with it. */
function malformedInputs(name: ApiName): { what: string; input: unknown }[] {
  const schema = ApiCalls[name].input;
  const base = validInput(name);
  const cases: { what: string; input: unknown }[] = [
    { what: 'a number instead of an object', input: 42 },
    { what: 'a string instead of an object', input: 'datasets.list' },
    { what: 'an array instead of an object', input: [base] },
    { what: 'a boolean instead of an object', input: true },
    { what: 'an extra key', input: { ...base, unexpectedKey: 1 } },
    { what: 'a prototype-polluting key', input: JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(base).slice(1, -1) || '"x": 1'}}`) },
  ];
  const keys = Object.keys((schema as z.ZodObject).shape ?? {});
  for (const key of keys) {
    const without = { ...base };
    delete without[key];
    if (!schema.safeParse(without).success) cases.push({ what: `required "${key}" missing`, input: without });
    const wrong = [12345, 'text', true, [], { nested: 1 }, null, -1, ''].find((value) => !schema.safeParse({ ...base, [key]: value }).success);
    if (wrong !== undefined) cases.push({ what: `"${key}" of the wrong type (${JSON.stringify(wrong)})`, input: { ...base, [key]: wrong } });
  }
  // Whatever a case is, the schema itself must refuse it: otherwise this test would prove nothing.
  for (const malformed of cases) expect(schema.safeParse(malformed.input ?? {}).success, `${name}: ${malformed.what}`).toBe(false);
  return cases;
}

/** The services behind a recorder: once armed, any property read on them (or on any service) is logged. */
function recorded(services: Services): { services: Services; reads: string[]; arm(): void } {
  const reads: string[] = [];
  let armed = false;
  const wrap = (value: object, path: string): object =>
    new Proxy(value, {
      get(target, key, receiver) {
        if (armed && typeof key === 'string') reads.push(`${path}.${key}`);
        const inner = Reflect.get(target, key, receiver === value ? target : receiver);
        if (typeof inner === 'function') return inner.bind(target);
        return inner !== null && typeof inner === 'object' ? wrap(inner, `${path}.${String(key)}`) : inner;
      },
    });
  return { services: wrap(services, 'services') as Services, reads, arm: () => (armed = true) };
}

/** What is in the store and the data folder: each table's row count and every file's path. */
function snapshot(services: Services, home: string): unknown {
  const tables = services.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
  const rows = Object.fromEntries(tables.map(({ name }) => [name, (services.db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number }).n]));
  const files = (readdirSync(home, { recursive: true }) as string[]).filter((path) => !/-(wal|shm|journal)$/.test(path)).map((path) => relative(home, join(home, path))).sort();
  return { rows, files };
}

const home = tempDir('airlock-api-input-');
let real: Services;
let api: Api;
let recorder: ReturnType<typeof recorded>;
let before: unknown;

beforeAll(async () => {
  real = await createServices(home.path);
  recorder = recorded(real);
  api = createApi(recorder.services);
  before = snapshot(real, home.path);
  recorder.arm();
});
afterAll(() => {
  real.close();
  home.cleanup();
});

const names = Object.keys(ApiCalls) as ApiName[];

describe('API table: malformed input never reaches a service', () => {
  it('covers every call of the table', () => {
    expect(names.length).toBeGreaterThanOrEqual(13);
    expect(names).toContain('datasets.import');
    expect(names).toContain('runs.start');
  });

  it.each(names)('%s refuses malformed input with INVALID_INPUT', async (name) => {
    for (const { what, input } of malformedInputs(name)) {
      const result = await api.call(name, input as never);
      expect(result.ok, `${name}: ${what}`).toBe(false);
      if (result.ok) continue;
      expect(result.error.code, `${name}: ${what}`).toBe('INVALID_INPUT');
      // Refused by this call's own schema (an unregistered call would be refused too, but vacuously).
      expect(result.error.message, `${name}: ${what}`).toContain(`Invalid input for ${name}`);
      expect(recorder.reads, `${name}: ${what} reached a service`).toEqual([]);
    }
  });

  it('left the store and the data folder as they were', () => {
    expect(snapshot(real, home.path)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the recorder does see a service being used (so an empty log means something)', async () => {
    const result = await api.call('datasets.list', {});
    expect(result.ok).toBe(true);
    expect(recorder.reads).toContain('services.datasets');
    recorder.reads.length = 0;
  });
});
