import type { PolicyResource } from "@pulumi/policy/policy";

/** Prefix of every type token of the library's components. */
const LIBRARY_PREFIX = "pulumi-k8s-ha:";

/**
 * The library's components that are not inside another of its components: one per cluster a program declares (an
 * `HaControlPlane` or `HostsControlPlane`, or an `EtcdCluster` / `KubeadmControlPlane` used on its own). Their
 * children report the same cluster again, so policies over component outputs look at these only.
 */
export function outermostComponents(resources: PolicyResource[]): PolicyResource[] {
  return resources.filter((resource) => resource.type.startsWith(LIBRARY_PREFIX) && !insideLibraryComponent(resource));
}

/** Whether any ancestor of `resource` is one of the library's components. */
function insideLibraryComponent(resource: PolicyResource): boolean {
  for (let parent = resource.parent; parent !== undefined; parent = parent.parent) {
    if (parent.type.startsWith(LIBRARY_PREFIX)) return true;
  }
  return false;
}

/** The stack name in a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOfUrn(urn: string): string {
  return urn.replace(/^urn:pulumi:/, "").split("::")[0];
}

/** How a violation names a resource: `<type> <name>`. */
export function describeResource(resource: { type: string; name: string }): string {
  return `${resource.type} ${resource.name}`;
}
