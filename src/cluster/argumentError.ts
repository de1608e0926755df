import * as pulumi from "@pulumi/pulumi";
import { TopologyError } from "../topology";

/**
 * Bad input to a component, found before anything (not even the component) was registered. A
 * `pulumi.ResourceError`, so the CLI shows it without a stack trace, that keeps the argument at fault in `field`.
 */
export class ArgumentError extends pulumi.ResourceError {
  /** The argument at fault, e.g. `controlPlaneHosts` or `zones`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message, undefined, true);
    this.field = field;
    this.name = "ArgumentError";
    Object.setPrototypeOf(this, ArgumentError.prototype);
  }
}

/** Runs a validation; a `TopologyError` it throws becomes an {@link ArgumentError} prefixed with `context`. */
export function validated<T>(context: string, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (error instanceof TopologyError) {
      throw new ArgumentError(error.field, `${context}: ${error.message}`);
    }
    throw error;
  }
}

/** Throws an {@link ArgumentError} naming `field` unless `condition` holds. */
export function requireArgument(condition: boolean, context: string, field: string, message: string): void {
  if (!condition) {
    throw new ArgumentError(field, `${context}: ${field}: ${message}`);
  }
}
