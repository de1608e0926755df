import { paths } from "../paths";
import { bashBraces, bashScript } from "./shell";

/** The certificate authorities kubeadm uses on a control plane (the program places them; they last 10 years). */
const CA_FILES = ["ca.crt", "front-proxy-ca.crt", "etcd/ca.crt"];

/**
 * Reads, on one control plane, when its certificates expire: the earliest of kubeadm's leaf certificates under
 * `/etc/kubernetes/pki` (API server, kubelet client, front proxy client, etcd server/peer/health check), the earliest
 * CA, and the client certificate in `admin.conf`. Prints one JSON object
 * `{"node", "checkedAt", "earliestLeaf": {"file", "notAfter", "daysLeft"}, "ca": {...}, "adminKubeconfig": {...}}`
 * (an entry is `null` when nothing was found). Read-only; never fails on a missing file.
 */
export function certificateExpiryScript(nodeName: string): string {
  return bashScript(
    "report certificate expiry on this control plane (kubeadm's leaf certificates, the CAs, admin.conf)",
    { NODE: nodeName, PKI_DIR: paths.kubernetesPki, CA_FILES: CA_FILES.join(" "), ADMIN_CONF: paths.adminKubeconfig },
    CERTIFICATE_EXPIRY_BODY,
  );
}

const CERTIFICATE_EXPIRY_BODY = bashBraces(String.raw`
now="$(date +%s)"
# entry FILE LABEL: {"file", "notAfter", "daysLeft"} of a PEM certificate, or nothing.
entry() {
  local end epoch
  end="$(openssl x509 -noout -enddate -in "$1" 2>/dev/null | sed -n 's/^notAfter=//p')" || return 0
  [ -n "$end" ] || return 0
  epoch="$(date -d "$end" +%s)" || return 0
  jq -nc --arg file "$2" --arg notAfter "$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)" --argjson days "$(((epoch - now) / 86400))" \
    '{file: $file, notAfter: $notAfter, daysLeft: $days}'
}
earliest() { jq -sc 'sort_by(.notAfter) | first // null'; }
is_ca() { local ca; for ca in $CA_FILES; do [ "$1" = "$ca" ] && return 0; done; return 1; }
leaves=""
cas=""
while IFS= read -r file; do
  relative="@{file#"$PKI_DIR"/}"
  if is_ca "$relative"; then cas+="$(entry "$file" "$relative")"$'\n'; else leaves+="$(entry "$file" "$relative")"$'\n'; fi
done < <(find "$PKI_DIR" -name '*.crt' 2>/dev/null | sort)
admin=""
if [ -f "$ADMIN_CONF" ]; then
  data="$(sed -n 's/^ *client-certificate-data: *//p' "$ADMIN_CONF" | head -n 1)"
  if [ -n "$data" ]; then admin="$(printf '%s' "$data" | base64 -d | entry /dev/stdin admin.conf)"; fi
fi
jq -nc --arg node "$NODE" --arg checkedAt "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  --argjson leaf "$(printf '%s' "$leaves" | earliest)" --argjson ca "$(printf '%s' "$cas" | earliest)" \
  --argjson admin "$(if [ -n "$admin" ]; then printf '%s' "$admin"; else echo null; fi)" \
  '{node: $node, checkedAt: $checkedAt, earliestLeaf: $leaf, ca: $ca, adminKubeconfig: $admin}'
`);
