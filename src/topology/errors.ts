/**
 * A plan or setting that cannot work, raised before any resource is created.
 * The message reads `${field}: <what is wrong>. <how to fix>`.
 */
export class TopologyError extends Error {
  /** The argument at fault, e.g. `zones`, `controlPlaneCount`, `podSubnet`. */
  readonly field: string;

  /**
   * @param field the argument at fault
   * @param problem what is wrong and how to fix it, without the field prefix
   */
  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = "TopologyError";
    this.field = field;
    Object.setPrototypeOf(this, TopologyError.prototype);
  }
}
