// Builds the smallest value that satisfies a (translated) schema of the spec: every required
// property present, nullable ones null, enums their first value. The fake starts a project's
// auth config from it (AuthConfigResponse has over 200 required fields), so the config it
// serves is whatever the spec says it must be, not a hand-copied snapshot.
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export type SchemaResolver = (ref: string) => JsonObject;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function sampleString(schema: JsonObject): string {
  switch (schema.format) {
    case "date-time":
      return "2026-01-28T10:00:00.000Z";
    case "uri":
      return "https://example.com";
    case "email":
      return "admin@example.com";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
    default:
      return "x".repeat(typeof schema.minLength === "number" ? schema.minLength : 0);
  }
}

export function sampleFromSchema(schema: Json, resolve: SchemaResolver): Json {
  if (!isObject(schema)) return null;
  if (typeof schema.$ref === "string") return sampleFromSchema(resolve(schema.$ref), resolve);
  for (const combinator of ["anyOf", "oneOf"] as const) {
    const options = schema[combinator];
    if (Array.isArray(options)) {
      const nullable = options.find((option) => isObject(option) && option.type === "null");
      return nullable ? null : sampleFromSchema(options[0], resolve);
    }
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((part) => sampleFromSchema(part, resolve)));
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("null")) return null;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (types[0]) {
    case "boolean":
      return false;
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "string":
      return sampleString(schema);
    case "array":
      return [];
    default: {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      return Object.fromEntries(required.map((name) => [name, sampleFromSchema(properties[name] ?? {}, resolve)]));
    }
  }
}
