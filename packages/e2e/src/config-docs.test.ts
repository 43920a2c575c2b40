import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './stack-env.js';

const SERVICES = ['ingest', 'writer', 'query', 'alerter', 'all-in-one'];

type Schema = { shape: Record<string, { description?: string }> };

async function schemas(): Promise<{ name: string; schema: Schema }[]> {
  return Promise.all(
    SERVICES.map(async (name) => ({
      name,
      schema: ((await import(`${REPO_ROOT}services/${name}/dist/config.js`)) as { configSchema: Schema })
        .configSchema,
    })),
  );
}

// docs/configuration.md is generated from the services' own zod config schemas.
describe('configuration reference', () => {
  it('describes every variable every service reads', async () => {
    const missing = (await schemas()).flatMap(({ name, schema }) =>
      Object.entries(schema.shape)
        .filter(([, field]) => !field.description)
        .map(([v]) => `${name}: ${v}`),
    );
    expect(missing).toEqual([]);
  });

  it('matches the committed docs/configuration.md (regenerate with scripts/gen-config-docs.mjs)', async () => {
    const { configReference } = (await import(`${REPO_ROOT}packages/config/dist/index.js`)) as {
      configReference(s: { name: string; schema: Schema }[]): string;
    };
    expect(readFileSync(`${REPO_ROOT}docs/configuration.md`, 'utf8')).toBe(configReference(await schemas()));
  });
});
