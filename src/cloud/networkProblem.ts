/** Why a given (existing) network cannot hold the planned cluster: the argument at fault and why. */
export interface NetworkProblem {
  field: string;
  message: string;
}
