/**
 * A Pulumi package of this library's components for every Pulumi language: the schema the analyzer derives from
 * the TypeScript sources (see ./analyzer), with the outputs that hold secrets marked secret, and `Construct`,
 * which builds the TypeScript component for a Python, Go, .NET or YAML program. What `componentProviderHost`
 * of `@pulumi/pulumi/provider/experimental` does, with the widened analyzer and the secrets.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { main, type ConstructResult, type Provider } from "@pulumi/pulumi/provider";
import { generateSchema } from "@pulumi/pulumi/provider/experimental/schema";
import { analyzeComponents } from "./analyzer";
import { COMPONENT_PACKAGES, type ComponentPackageName } from "./packages";

/** A component class as the package builds it: `new Component(name, args, opts)`. */
export type ComponentClass = new (name: string, args: never, opts?: pulumi.ComponentResourceOptions) => pulumi.ComponentResource;

/**
 * Outputs that hold secrets wherever a component has them (the components wrap them in `pulumi.secret`): the
 * schema marks them `secret`, so every language's SDK keeps them secret too.
 */
export const SECRET_OUTPUTS: readonly string[] = ["kubeconfig", "sshPrivateKey", "apiServerClientKeyPem", "workerJoinToken", "workerJoinCommand"];

/** The JSON schema of a package directory: `dir` holds `package.json`, `tsconfig.json` and the entry file. */
export interface PackageSchema {
  name: string;
  version: string;
  resources: Record<string, { properties: Record<string, { secret?: boolean }>; inputProperties: Record<string, unknown> }>;
  types: Record<string, unknown>;
}

interface PackageJson {
  name: string;
  version?: string;
  description?: string;
  [key: string]: unknown;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as PackageJson;
}

/** The package of directory `dir` (named by its package.json) and its component classes. */
export function componentPackage(dir: string): { name: ComponentPackageName; components: ComponentClass[] } {
  const name = readPackageJson(dir).name;
  const load = Object.prototype.hasOwnProperty.call(COMPONENT_PACKAGES, name) ? COMPONENT_PACKAGES[name as ComponentPackageName] : undefined;
  if (!load) throw new Error(`${path.join(dir, "package.json")} names the package ${JSON.stringify(name)}; pulumi-k8s-ha serves ${Object.keys(COMPONENT_PACKAGES).join(", ")}.`);
  return { name: name as ComponentPackageName, components: load() };
}

/** Analyzes the package directory `dir` and returns its schema and each component's output names. */
export function packageSchema(dir: string): { schema: PackageSchema; outputs: Record<string, string[]> } {
  const packageJSON = readPackageJson(dir);
  const pkg = componentPackage(dir);
  const { components, typeDefinitions, dependencies } = analyzeComponents(
    dir,
    pkg.name,
    packageJSON,
    pkg.components.map((component) => component.name),
  );
  const schema = generateSchema(pkg.name, packageJSON.version ?? "0.0.0", packageJSON.description ?? "", components, typeDefinitions, dependencies) as unknown as PackageSchema;
  for (const name of Object.keys(components)) {
    const properties = schema.resources[`${pkg.name}:index:${name}`].properties;
    for (const output of SECRET_OUTPUTS) if (properties[output]) properties[output].secret = true;
  }
  const outputs = Object.fromEntries(Object.entries(components).map(([name, component]) => [name, Object.keys(component.outputs)]));
  return { schema, outputs };
}

/** The provider of the package in directory `dir`: its schema, and `Construct` for its components. */
export class ComponentPackageProvider implements Provider {
  readonly version: string;
  private readonly pkg: ReturnType<typeof componentPackage>;
  private analyzed?: ReturnType<typeof packageSchema>;

  constructor(private readonly dir: string) {
    this.version = readPackageJson(dir).version ?? "0.0.0";
    this.pkg = componentPackage(dir);
  }

  private analysis(): ReturnType<typeof packageSchema> {
    this.analyzed ??= packageSchema(this.dir);
    return this.analyzed;
  }

  async getSchema(): Promise<string> {
    return JSON.stringify(this.analysis().schema);
  }

  async construct(name: string, type: string, inputs: pulumi.Inputs, options: pulumi.ComponentResourceOptions): Promise<ConstructResult> {
    const className = type.startsWith(`${this.pkg.name}:index:`) ? type.slice(this.pkg.name.length + 7) : undefined;
    const component = this.pkg.components.find((candidate) => candidate.name === className);
    if (!component) {
      throw new Error(`${this.pkg.name} has no component ${JSON.stringify(type)}; it has ${this.pkg.components.map((c) => `${this.pkg.name}:index:${c.name}`).join(", ")}.`);
    }
    const instance = new component(name, inputs as never, options) as unknown as Record<string, unknown> & pulumi.ComponentResource;
    const state = Object.fromEntries(this.analysis().outputs[component.name].map((output) => [output, instance[output]]));
    return { urn: instance.urn, state };
  }
}

/** Serves the package in directory `dir` to the Pulumi engine (the entry file of a `PulumiPlugin.yaml` plugin). */
export function serveComponentPackage(dir: string): Promise<void> {
  return main(new ComponentPackageProvider(dir), process.argv.slice(2));
}
