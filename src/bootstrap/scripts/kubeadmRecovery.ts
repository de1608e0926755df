import { paths } from "../paths";
import { bashBraces, ETCDCTL_AT } from "./shell";

/**
 * Parameters the recovery functions read, for a kubeadm step's script header: the pristine copy of the
 * placed files, kubeadm's stacked-etcd manifest, and kubeadm's etcd health-check client certificate (any client
 * certificate of the etcd CA may change the membership).
 */
export function kubeadmRecoveryParameters(): Record<string, string> {
  return {
    PRISTINE_DIR: paths.placedFilesDir,
    ETCD_MANIFEST: paths.etcdManifest,
    CA_FILE: `${paths.kubernetesPki}/etcd/ca.crt`,
    CERT_FILE: `${paths.kubernetesPki}/etcd/healthcheck-client.crt`,
    KEY_FILE: `${paths.kubernetesPki}/etcd/healthcheck-client.key`,
  };
}

/**
 * Bash function `restore_placed_files`: puts back every file the place-files step placed (CAs, keys, kubeadm's
 * configuration files) from the pristine copy it keeps under `PRISTINE_DIR`, where missing or changed. `kubeadm
 * reset` deletes all of /etc/kubernetes/pki, the program's CAs included, and the place-files step does not run again
 * on a retry (its inputs did not change): without this a retried init would make a new CA that breaks every join's
 * CA pin, and a retried join would fail kubeadm's shared-certificate preflight.
 */
export const RESTORE_PLACED_FILES = bashBraces(String.raw`restore_placed_files() {
  local copy target
  [ -d "$PRISTINE_DIR" ] || return 0
  while IFS= read -r -d '' copy; do
    target="@{copy#"$PRISTINE_DIR"}"
    if ! cmp -s "$copy" "$target"; then
      mkdir -p "$(dirname "$target")"
      cp -p "$copy" "$target"
      echo "restored $target"
    fi
  done < <(find "$PRISTINE_DIR" -type f -print0 | sort -z)
}`);

/**
 * Bash function `local_etcd_member_removed`: whether `kubeadm reset` may delete this machine's stacked etcd data.
 * kubeadm reset removes the machine's own etcd member from the cluster only when it can reach the cluster through
 * the API (admin.conf and the kubeadm-config ConfigMap); when it cannot, it still deletes /var/lib/etcd and leaves
 * the member in the member list, a dead voter that costs the cluster its margin (with two members, its quorum). So
 * before a reset this removes the member itself, with etcdctl against the other members of the `--initial-cluster`
 * in kubeadm's etcd manifest, and answers no (status 1, with the reason) when the other members cannot be asked
 * or refuse. No manifest means no local member was made (kubeadm adds the member and writes the manifest in one
 * phase); a manifest naming only this member is a cluster of its own (a failed init), nothing to keep.
 */
export const LOCAL_ETCD_MEMBER_REMOVED = bashBraces(String.raw`${ETCDCTL_AT}

local_etcd_member_removed() {
  local peer_url others list id
  [ -f "$ETCD_MANIFEST" ] || return 0
  peer_url="$(sed -n 's/^ *- --initial-advertise-peer-urls=//p' "$ETCD_MANIFEST" | head -n 1)"
  others="$(sed -n 's/^ *- --initial-cluster=//p' "$ETCD_MANIFEST" | head -n 1 | tr ',' '\n' | cut -d= -f2- | grep -vxF "$peer_url" | sed 's/:2380$/:2379/' | paste -sd, || true)"
  [ -n "$others" ] || return 0
  if ! list="$(etcdctl_at "$others" --command-timeout=5s member list -w simple 2>&1)"; then
    echo "the other etcd members ($others) did not answer: $(printf '%s\n' "$list" | tail -n 1)" >&2
    return 1
  fi
  id="$(printf '%s\n' "$list" | grep -F ", $peer_url," | cut -d, -f1 || true)"
  [ -n "$id" ] || return 0
  if ! etcdctl_at "$others" --command-timeout=10s member remove "$id" >/dev/null 2>&1; then
    echo "etcd refused to remove this machine's member $id" >&2
    return 1
  fi
  echo "removed this machine's etcd member $id from the cluster"
}`);
