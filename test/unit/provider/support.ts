import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { packageSchema, type PackageSchema } from "../../../src/provider";

/** A property of the schema as the analyzer writes it. */
export interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  description?: string;
  plain?: boolean;
  secret?: boolean;
  enum?: { name: string; value: string }[];
}

/** A component resource of the schema. */
export interface SchemaResource {
  isComponent: boolean;
  description?: string;
  inputProperties: Record<string, SchemaProperty>;
  requiredInputs: string[];
  properties: Record<string, SchemaProperty>;
}

/** The schema of `provider/<name>` as the plugin serves it (the analyzer run in-process over the package directory). */
export function schemaOf(name: string): { resources: Record<string, SchemaResource>; types: Record<string, SchemaProperty & { properties?: Record<string, SchemaProperty> }>; name: string; version: string } {
  const { schema } = packageSchema(path.join(__dirname, "..", "..", "..", "provider", name));
  return schema as unknown as PackageSchema & ReturnType<typeof schemaOf>;
}

/** `string`, `array<#/types/...>`, `Input<string>`...: a property's type in one word, for table assertions. */
export function typeOf(property: SchemaProperty): string {
  const inner = property.type === "array" ? `array<${typeOf(property.items!)}>` : property.type === "object" && property.additionalProperties ? `map<${typeOf(property.additionalProperties)}>` : (property.type ?? property.$ref!);
  return property.plain === false || property.plain === undefined ? `Input<${inner}>` : inner;
}

/**
 * The component's outputs as its instance has them: every own property holding an Output, and which are secret;
 * plus `plainFields`, its public fields that are not Outputs (at run time they cannot be told from private ones).
 */
export async function declaredOutputs(component: pulumi.ComponentResource, plainFields: string[] = []): Promise<{ names: string[]; secret: string[] }> {
  const entries = Object.entries(component).filter(([name, value]) => pulumi.Output.isInstance(value) && name !== "urn");
  const secret: string[] = [];
  for (const [name, value] of entries) if (await (value as unknown as { isSecret: Promise<boolean> }).isSecret) secret.push(name);
  for (const field of plainFields) expect(component).toHaveProperty(field);
  return { names: [...entries.map(([name]) => name), ...plainFields].sort(), secret: secret.sort() };
}

/** Names of the schema's outputs of `resource`, and which are marked secret. */
export function schemaOutputs(resource: SchemaResource): { names: string[]; secret: string[] } {
  const names = Object.keys(resource.properties).sort();
  return { names, secret: names.filter((name) => resource.properties[name].secret === true) };
}

/** The types an input refers to, directly or through other types (`#/types/<token>`). */
function inputTypes(schema: ReturnType<typeof schemaOf>): string[] {
  const seen = new Set<string>();
  const visit = (property: SchemaProperty): void => {
    for (const nested of [property.items, property.additionalProperties]) if (nested) visit(nested);
    const token = property.$ref?.startsWith("#/types/") ? property.$ref.slice("#/types/".length) : undefined;
    if (!token || seen.has(token)) return;
    seen.add(token);
    for (const field of Object.values(schema.types[token].properties ?? {})) visit(field);
  };
  for (const resource of Object.values(schema.resources)) for (const input of Object.values(resource.inputProperties)) visit(input);
  return [...seen];
}

/**
 * Inputs (with the fields of the types they use) and outputs without a description: TSDoc on every argument
 * reaches every language.
 */
export function undocumented(schema: ReturnType<typeof schemaOf>): string[] {
  const missing: string[] = [];
  for (const [token, resource] of Object.entries(schema.resources)) {
    for (const [name, property] of Object.entries(resource.inputProperties)) if (!property.description) missing.push(`${token}.${name}`);
    for (const [name, property] of Object.entries(resource.properties)) if (!property.description) missing.push(`${token} output ${name}`);
  }
  for (const token of inputTypes(schema)) {
    for (const [name, property] of Object.entries(schema.types[token].properties ?? {})) if (!property.description) missing.push(`${token}.${name}`);
  }
  return missing;
}
