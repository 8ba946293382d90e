/** Configs side by side: every field as `section.field` → printed value. */

/** Every leaf of a config as `section.field` → printed value, for diffing. */
export function flattenConfig(config: unknown, prefix = ''): Record<string, string> {
  const flat: Record<string, string> = {};
  if (config && typeof config === 'object' && !Array.isArray(config)) {
    for (const [key, value] of Object.entries(config)) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (value && typeof value === 'object' && !Array.isArray(value) && prefix === '') Object.assign(flat, flattenConfig(value, path));
      else flat[path] = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
  }
  return flat;
}

/** Rows of a config comparison: each field with its value per config, and whether they differ. */
export function diffConfigs(configs: unknown[]): { field: string; values: string[]; differs: boolean }[] {
  const flats = configs.map((config) => flattenConfig(config));
  const fields = [...new Set(flats.flatMap((flat) => Object.keys(flat)))];
  return fields.map((field) => {
    const values = flats.map((flat) => flat[field] ?? '');
    return { field, values, differs: values.some((value) => value !== values[0]) };
  });
}
