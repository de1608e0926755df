import { bashScript } from "./shell";

/** Options of {@link controlPlaneNodeMembershipScript}. */
export interface ControlPlaneNodeMembershipOptions {
  /** Node names of the planned control planes. */
  desiredNodes: string[];
  /** Admin kubeconfig on the machine running the step. */
  kubeconfigFile: string;
}

/**
 * Deletes the Node objects of control planes that are no longer planned (scale-down with external etcd, where no
 * etcd member leaves with them): every node labelled `node-role.kubernetes.io/control-plane` whose name the plan does
 * not have. Runs before Pulumi deletes the machines (deletes come last). A no-op when the nodes match the plan.
 */
export function controlPlaneNodeMembershipScript(options: ControlPlaneNodeMembershipOptions): string {
  for (const name of options.desiredNodes) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new Error(`control-plane nodes: node name ${JSON.stringify(name)} is unusable`);
  }
  return bashScript(
    "delete the Node objects of control planes no longer planned",
    { DESIRED: options.desiredNodes.join(" "), KUBECONFIG_FILE: options.kubeconfigFile },
    `
nodes="$(kubectl --kubeconfig "$KUBECONFIG_FILE" --request-timeout=20s get nodes -l node-role.kubernetes.io/control-plane -o 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}')"
removed=0
while IFS= read -r node; do
  [ -n "$node" ] || continue
  case " $DESIRED " in *" $node "*) continue ;; esac
  kubectl --kubeconfig "$KUBECONFIG_FILE" --request-timeout=20s delete node "$node" --ignore-not-found >/dev/null
  echo "deleted Node $node: no longer a planned control plane"
  removed=$((removed + 1))
done <<< "$nodes"
[ "$removed" -gt 0 ] || echo "control-plane nodes match the plan"
`,
  );
}
