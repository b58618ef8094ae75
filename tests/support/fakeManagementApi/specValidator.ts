// Validates requests and responses against the Management API's OpenAPI 3.0 document with ajv.
//
// OpenAPI 3.0 schemas are not quite JSON Schema, so each schema is translated first:
// `nullable: true` becomes an explicit null alternative, boolean `exclusiveMinimum`/
// `exclusiveMaximum` become numeric ones, and `discriminator` is dropped (the `oneOf` it
// annotates validates the same). `#/components/...` references are resolved by ajv against
// the spec's own components.
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import * as fs from "node:fs";
import * as path from "node:path";

export const SPEC_PATH = path.join(__dirname, "../../../infra/supabase/openapi.json");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ParameterObject {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonObject;
}

interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonObject }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: JsonObject }> }>;
}

export interface SpecOperation {
  method: string;
  /** Path template as in the spec, e.g. /v1/projects/{ref} */
  template: string;
  operation: OperationObject;
  pattern: RegExp;
  paramNames: string[];
}

export interface MatchedOperation {
  spec: SpecOperation;
  pathParams: Record<string, string>;
}

/**
 * Error statuses the real API answers although the spec lists no response for them (404 for
 * a missing project above all; terraform-provider-supabase relies on it too). Their body must
 * still be the API's error shape.
 */
export const UNDOCUMENTED_ERROR_STATUSES = [400, 404, 408, 500, 502, 503];

/** The API's error body: {"message": "..."}. */
const ERROR_BODY_SCHEMA: JsonObject = {
  type: "object",
  required: ["message"],
  properties: { message: { type: "string" } },
};

const SCHEMA_REF_PREFIX = "#/components/";
const SPEC_SCHEMA_ID = "supabase-management-api";

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** OpenAPI 3.0 schema object -> JSON Schema (draft 7 as ajv reads it), recursively. */
export function toJsonSchema(value: Json): Json {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key === "$ref" && typeof inner === "string" && inner.startsWith(SCHEMA_REF_PREFIX)) {
      out.$ref = `${SPEC_SCHEMA_ID}${inner}`;
    } else if (key === "discriminator" || key === "nullable") {
      continue;
    } else if ((key === "exclusiveMinimum" || key === "exclusiveMaximum") && typeof inner === "boolean") {
      const bound = key === "exclusiveMinimum" ? "minimum" : "maximum";
      if (inner && typeof value[bound] === "number") out[key] = value[bound];
    } else if (key === "properties" && isObject(inner)) {
      // Property names are not schema keywords: translate each property's schema, keep the names.
      out.properties = Object.fromEntries(Object.entries(inner).map(([name, schema]) => [name, toJsonSchema(schema)]));
    } else {
      out[key] = toJsonSchema(inner);
    }
  }
  for (const key of ["exclusiveMinimum", "exclusiveMaximum"] as const) {
    const bound = key === "exclusiveMinimum" ? "minimum" : "maximum";
    if (typeof out[key] === "number" && value[key] === true) delete out[bound];
  }
  if (value.nullable !== true) return out;
  if (typeof out.type === "string") {
    const nullableEnum: JsonObject = Array.isArray(out.enum) && !out.enum.includes(null) ? { enum: [...out.enum, null] } : {};
    return { ...out, type: [out.type, "null"], ...nullableEnum };
  }
  return { anyOf: [out, { type: "null" }] };
}

function templatePattern(template: string): { pattern: RegExp; paramNames: string[] } {
  const paramNames: string[] = [];
  const source = template
    .split("/")
    .map((segment) => {
      const param = /^\{(.+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      paramNames.push(param[1]);
      return "([^/]+)";
    })
    .join("/");
  return { pattern: new RegExp(`^${source}$`), paramNames };
}

function describe(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((error) => `${error.instancePath || "(root)"} ${error.message ?? error.keyword}`).join("; ");
}

export class SpecValidator {
  private readonly ajv: Ajv;
  private readonly operations: SpecOperation[] = [];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(specPath = SPEC_PATH) {
    const spec = JSON.parse(fs.readFileSync(specPath, "utf8")) as {
      paths: Record<string, Record<string, OperationObject>>;
      components: JsonObject;
    };
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema({ $id: SPEC_SCHEMA_ID, components: toJsonSchema(spec.components) }, SPEC_SCHEMA_ID);
    for (const [template, item] of Object.entries(spec.paths)) {
      for (const method of ["get", "post", "put", "patch", "delete"]) {
        const operation = item[method];
        if (operation) this.operations.push({ method: method.toUpperCase(), template, operation, ...templatePattern(template) });
      }
    }
    // Literal segments first, so /v1/projects/available-regions never matches /v1/projects/{ref}.
    this.operations.sort((a, b) => a.paramNames.length - b.paramNames.length);
  }

  /** A translated component schema, by name or by the reference toJsonSchema wrote. */
  componentSchema(nameOrRef: string): JsonObject {
    const ref = nameOrRef.includes("#") ? nameOrRef : `${SPEC_SCHEMA_ID}#/components/schemas/${nameOrRef}`;
    const schema = this.ajv.getSchema(ref)?.schema;
    if (!isObject(schema as Json)) throw new Error(`no component schema ${nameOrRef} in the spec`);
    return schema as JsonObject;
  }

  findOperation(method: string, pathname: string): MatchedOperation | undefined {
    for (const spec of this.operations) {
      if (spec.method !== method) continue;
      const match = spec.pattern.exec(pathname);
      if (!match) continue;
      const pathParams = Object.fromEntries(spec.paramNames.map((name, index) => [name, decodeURIComponent(match[index + 1])]));
      return { spec, pathParams };
    }
    return undefined;
  }

  private validator(key: string, schema: Json): ValidateFunction {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.compiled.set(key, validate);
    }
    return validate;
  }

  private check(key: string, schema: Json, value: unknown, what: string): string[] {
    const validate = this.validator(key, schema);
    return validate(value) ? [] : [`${what}: ${describe(validate)}`];
  }

  /** Violations of the request: path and query parameters, and the JSON body. */
  validateRequest(matched: MatchedOperation, query: URLSearchParams, body: unknown): string[] {
    const { spec, pathParams } = matched;
    const where = `${spec.method} ${spec.template}`;
    const violations: string[] = [];
    for (const parameter of spec.operation.parameters ?? []) {
      if (!parameter.schema || (parameter.in !== "path" && parameter.in !== "query")) continue;
      const key = `${where} parameter ${parameter.name}`;
      if (parameter.in === "path") {
        violations.push(...this.check(key, parameter.schema, pathParams[parameter.name], `${key}`));
        continue;
      }
      const values = query.getAll(parameter.name);
      if (values.length === 0) {
        if (parameter.required) violations.push(`${key}: required query parameter missing`);
        continue;
      }
      const value = parameter.schema.type === "array" ? values : values[0];
      const coerced = parameter.schema.type === "integer" || parameter.schema.type === "number" ? Number(value) : value;
      violations.push(...this.check(key, parameter.schema, coerced, key));
    }
    const content = spec.operation.requestBody?.content?.["application/json"];
    if (content?.schema) {
      if (body === undefined) {
        if (spec.operation.requestBody?.required !== false) violations.push(`${where} request body: missing`);
      } else {
        violations.push(...this.check(`${where} request body`, content.schema, body, `${where} request body`));
      }
    } else if (body !== undefined) {
      violations.push(`${where} request body: the spec defines none, got one`);
    }
    return violations;
  }

  /** Violations of a response the fake is about to send. */
  validateResponse(matched: MatchedOperation, status: number, body: unknown): string[] {
    const { spec } = matched;
    const where = `${spec.method} ${spec.template} response ${status}`;
    const documented = spec.operation.responses[String(status)];
    if (!documented) {
      if (!UNDOCUMENTED_ERROR_STATUSES.includes(status)) return [`${where}: status not in the spec`];
      return this.check("error body", ERROR_BODY_SCHEMA, body, `${where} (error body)`);
    }
    const schema = documented.content?.["application/json"]?.schema;
    if (schema) return this.check(where, schema, body, where);
    if (status >= 400) return this.check("error body", ERROR_BODY_SCHEMA, body, `${where} (error body)`);
    return body === undefined ? [] : [`${where}: the spec defines no body, got one`];
  }
}
