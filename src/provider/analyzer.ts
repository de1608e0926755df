/**
 * Pulumi's component analyzer (`@pulumi/pulumi/provider/experimental`), widened where the library's TypeScript
 * API and the analyzer disagree, so that the components stay as TypeScript users know them:
 * - a component may extend a class of its own that extends `ComponentResource` (the clouds' `HaControlPlane`s
 *   extend `CloudHaControlPlane`), and its public outputs include the ones it inherits;
 * - a named union of string literals (`type ApiLoadBalancerScheme = "internal" | "internet-facing"`) becomes a
 *   string enum of the schema, named after the alias, one member per literal;
 * - `T | null` in an output (the gate's and the reports' JSON: "nobody holds the lease") becomes an optional `T`,
 *   and `unknown` (free-form JSON) becomes `Any`.
 * Anything else the analyzer refuses is still refused, with its own message. The hooks replace the analyzer's
 * own (private) methods on one instance; the schema test (test/unit/provider) fails when a newer analyzer changes
 * them.
 */
import { Analyzer, type AnalyzeResult, type PropertyDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import type * as ts from "typescript";

// The analyzer's own TypeScript (the user's, or the one @pulumi/pulumi vendors): the flags must be that one's.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const typescript = require("@pulumi/pulumi/typescript-shim") as typeof ts;

/** The analyzer's private methods this file hooks (their JavaScript signatures in @pulumi/pulumi 3.270). */
interface AnalyzerInternals {
  checker: ts.TypeChecker;
  analyzeType(context: { component: string }, type: ts.Type, location: ts.Node, optional?: boolean, docString?: string): PropertyDefinition;
  extractEnumMembers(context: object, type: ts.Type, location: ts.Node): EnumMembers | undefined;
  isPulumiComponent(node: ts.ClassDeclaration): boolean;
  analyzeComponent(node: ts.ClassDeclaration): { name: string; outputs: Record<string, PropertyDefinition> } | undefined;
  analyzeSymbols(context: object, symbols: ts.Symbol[]): Record<string, PropertyDefinition>;
}

interface EnumMembers {
  members: { name: string; value: string; description?: string }[];
  description?: string;
}

/** `internet-facing` -> `InternetFacing`, `perZone` -> `PerZone`: an enum member name every language accepts. */
export function enumMemberName(value: string): string {
  return value
    .split(/[^A-Za-z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}

/** The JSDoc text of a declaration, as the analyzer reads it. */
function docOf(node: ts.Node): string | undefined {
  const docs = (node as { jsDoc?: { comment?: string }[] }).jsDoc;
  const text = docs?.map((doc) => doc.comment ?? "").join("\n");
  return text ? text : undefined;
}

function isComponentResourceBase(checker: ts.TypeChecker, type: ts.Type): boolean {
  const symbol = type.getSymbol();
  const file = symbol?.declarations?.[0]?.getSourceFile().fileName ?? "";
  if (symbol?.escapedName === "ComponentResource" && /resource\.(d\.)?ts$/.test(file)) return true;
  // a generic base (`CloudHaControlPlane<S, B>`) is a reference to its declared class type
  const declared = (type as ts.TypeReference).target ?? type;
  return declared.isClassOrInterface() && checker.getBaseTypes(declared).some((base) => isComponentResourceBase(checker, base));
}

/** A public property the component declares (or inherits from a class of its own), not one of `Resource`'s (`urn`). */
function isComponentOutput(symbol: ts.Symbol): boolean {
  if ((symbol.flags & typescript.SymbolFlags.Property) === 0 || !symbol.valueDeclaration) return false;
  if (/[\\/]@pulumi[\\/]pulumi[\\/]/.test(symbol.valueDeclaration.getSourceFile().fileName)) return false;
  const modifiers = typescript.getCombinedModifierFlags(symbol.valueDeclaration as ts.Declaration);
  return (modifiers & (typescript.ModifierFlags.Private | typescript.ModifierFlags.Protected)) === 0 && !symbol.escapedName.toString().startsWith("#");
}

/**
 * Runs the widened analyzer over the provider directory `dir` (its `tsconfig.json` and entry file) for the
 * component classes `componentNames`.
 */
export function analyzeComponents(dir: string, name: string, packageJSON: Record<string, unknown>, componentNames: string[]): AnalyzeResult {
  const analyzer = new Analyzer(dir, name, packageJSON, new Set(componentNames));
  const internals = analyzer as unknown as AnalyzerInternals;
  const base = {
    analyzeType: internals.analyzeType.bind(analyzer),
    extractEnumMembers: internals.extractEnumMembers.bind(analyzer),
    analyzeComponent: internals.analyzeComponent.bind(analyzer),
  };
  const checker = (): ts.TypeChecker => internals.checker;

  internals.isPulumiComponent = (node) => isComponentResourceBase(checker(), checker().getTypeAtLocation(node));

  internals.analyzeComponent = (node) => {
    const definition = base.analyzeComponent(node);
    if (!definition) return definition;
    // outputs are the public properties only, inherited ones included (the analyzer takes the class's own members)
    const properties = checker()
      .getPropertiesOfType(checker().getTypeAtLocation(node))
      .filter(isComponentOutput);
    const outputs = internals.analyzeSymbols({ component: definition.name, inputOutput: 2 }, properties);
    return { ...definition, outputs };
  };

  internals.extractEnumMembers = (context, type, location) => {
    const found = base.extractEnumMembers(context, type, location);
    if (found) return found;
    const symbol = type.aliasSymbol ?? (typescript.isTypeReferenceNode(location) ? checker().getSymbolAtLocation(location.typeName) : undefined);
    const target = symbol && symbol.flags & typescript.SymbolFlags.Alias ? checker().getAliasedSymbol(symbol) : symbol;
    const declaration = target?.declarations?.[0];
    if (!declaration || !typescript.isTypeAliasDeclaration(declaration) || !type.isUnion()) return undefined;
    const values = type.types.filter((member) => member.isStringLiteral()).map((member) => (member as ts.StringLiteralType).value);
    if (values.length === 0) return undefined;
    return { members: values.map((value) => ({ name: enumMemberName(value), value })), description: docOf(declaration) };
  };

  internals.analyzeType = (context, type, location, optional = false, docString = undefined) => {
    if (type.flags & typescript.TypeFlags.Unknown) {
      return { $ref: "pulumi.json#/Any", ...(optional ? { optional } : {}), ...(docString ? { description: docString } : {}) };
    }
    if (type.isUnion() && type.types.some((member) => member.flags & typescript.TypeFlags.Null)) {
      const rest = type.types.filter((member) => !(member.flags & (typescript.TypeFlags.Null | typescript.TypeFlags.Undefined)));
      if (rest.length === 1) return internals.analyzeType(context, rest[0], location, true, docString);
    }
    return base.analyzeType(context, type, location, optional, docString);
  };

  return analyzer.analyze();
}
