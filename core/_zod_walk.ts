/**
 * Walking zod v3 schemas: unwrapping optional/default/effect layers, finding the schema and the
 * value at a field path, and making every object strict. Used by config_schema.ts.
 * Internal: only `strictSchema` and `AnySchema` are re-exported.
 * @module
 */

import { z } from "zod";

/** Any zod schema. */
export type AnySchema = z.ZodTypeAny;
/** A zod first-party type name. */
export type Kind = z.ZodFirstPartyTypeKind;
/** The zod first-party type names. */
export const K = z.ZodFirstPartyTypeKind;

// deno-lint-ignore no-explicit-any
export type AnyDef = any;

/** The zod type name of a schema (`ZodObject`, `ZodNumber`, ...). */
export function kindOf(schema: AnySchema): Kind | undefined {
  return (schema._def as AnyDef).typeName as Kind | undefined;
}

function rebuild(schema: AnySchema, patch: Record<string, unknown>): AnySchema {
  const Ctor = schema.constructor as new (def: AnyDef) => AnySchema;
  return new Ctor({ ...(schema._def as AnyDef), ...patch });
}

const strictCache = new WeakMap<AnySchema, AnySchema>();

/**
 * Returns a copy of `schema` in which every object that would strip unknown keys (the zod
 * default) rejects them instead, at every depth. Objects marked `.passthrough()` or with a
 * `.catchall()` keep their behaviour.
 */
export function strictSchema<T extends AnySchema>(schema: T): T {
  const cached = strictCache.get(schema);
  if (cached) return cached as T;
  const def = schema._def as AnyDef;
  let out: AnySchema = schema;
  switch (kindOf(schema)) {
    case K.ZodObject: {
      const shape: Record<string, AnySchema> = {};
      for (const [key, value] of Object.entries((schema as unknown as z.AnyZodObject).shape)) {
        shape[key] = strictSchema(value as AnySchema);
      }
      const keepKeys = def.unknownKeys !== "strip" ||
        kindOf(def.catchall) !== K.ZodNever;
      out = rebuild(schema, {
        shape: () => shape,
        unknownKeys: keepKeys ? def.unknownKeys : "strict",
      });
      break;
    }
    case K.ZodOptional:
    case K.ZodNullable:
    case K.ZodDefault:
    case K.ZodCatch:
    case K.ZodReadonly:
      out = rebuild(schema, { innerType: strictSchema(def.innerType) });
      break;
    case K.ZodBranded:
    case K.ZodArray:
      out = rebuild(schema, { type: strictSchema(def.type) });
      break;
    case K.ZodEffects:
      out = rebuild(schema, { schema: strictSchema(def.schema) });
      break;
    case K.ZodRecord:
      out = rebuild(schema, { valueType: strictSchema(def.valueType) });
      break;
    case K.ZodTuple:
      out = rebuild(schema, {
        items: def.items.map((s: AnySchema) => strictSchema(s)),
        rest: def.rest ? strictSchema(def.rest) : def.rest,
      });
      break;
    case K.ZodUnion:
      out = rebuild(schema, { options: def.options.map((s: AnySchema) => strictSchema(s)) });
      break;
    case K.ZodIntersection:
      // An intersection of strict objects would reject each other's keys: leave it alone.
      break;
    case K.ZodLazy: {
      const getter = def.getter as () => AnySchema;
      out = rebuild(schema, { getter: () => strictSchema(getter()) });
      break;
    }
    case K.ZodPipeline:
      out = rebuild(schema, { in: strictSchema(def.in) });
      break;
  }
  strictCache.set(schema, out);
  return out as T;
}

/** Strips optional, nullable, default, effect, lazy and pipeline layers off a schema. */
export function unwrap(schema: AnySchema): AnySchema {
  for (let guard = 0; guard < 32; guard++) {
    const def = schema._def as AnyDef;
    switch (kindOf(schema)) {
      case K.ZodOptional:
      case K.ZodNullable:
      case K.ZodDefault:
      case K.ZodCatch:
      case K.ZodReadonly:
        schema = def.innerType;
        continue;
      case K.ZodBranded:
        schema = def.type;
        continue;
      case K.ZodEffects:
        schema = def.schema;
        continue;
      case K.ZodLazy:
        schema = def.getter();
        continue;
      case K.ZodPipeline:
        schema = def.in;
        continue;
    }
    return schema;
  }
  return schema;
}

function childSchema(schema: AnySchema, key: string | number): AnySchema | undefined {
  const inner = unwrap(schema);
  const def = inner._def as AnyDef;
  switch (kindOf(inner)) {
    case K.ZodObject: {
      const shape = (inner as z.AnyZodObject).shape as Record<string, AnySchema>;
      return Object.hasOwn(shape, String(key)) ? shape[String(key)] : undefined;
    }
    case K.ZodRecord:
      return def.valueType;
    case K.ZodArray:
      return def.type;
    case K.ZodTuple:
      return def.items[Number(key)] ?? def.rest ?? undefined;
    case K.ZodUnion:
    case K.ZodDiscriminatedUnion:
      for (const option of def.options as AnySchema[]) {
        const child = childSchema(option, key);
        if (child) return child;
      }
      return undefined;
    case K.ZodIntersection:
      return childSchema(def.left, key) ?? childSchema(def.right, key);
  }
  return undefined;
}

/** The schema of the field at `path`, or undefined where the schema has no such field. */
export function schemaAt(
  schema: AnySchema,
  path: readonly (string | number)[],
): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (const key of path) {
    if (!current) return undefined;
    current = childSchema(current, key);
  }
  return current;
}

/** The value at `path` in raw parsed JSON, or undefined. */
export function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let current = raw;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}
