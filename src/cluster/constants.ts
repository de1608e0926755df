import { EXTERNAL_ETCD_CA_FILE, EXTERNAL_ETCD_CERT_FILE, EXTERNAL_ETCD_KEY_FILE } from "../bootstrap/kubeadmConfig";
import { paths } from "../bootstrap/paths";

/** Defaults of the cloud-neutral components, in one place so docs and code agree. */
export const defaults = {
  gateTimeoutSeconds: 600,
  etcdGateTimeoutSeconds: 300,
  gateIntervalSeconds: 2,
  hostReadyTimeoutMinutes: 20,
  cniManifestUrl: "https://raw.githubusercontent.com/projectcalico/calico/v3.29.1/manifests/calico.yaml",
} as const;

/** Client certificates the quorum gate uses on each kind of machine. */
export const gateCredentials = {
  /** On an external etcd member: its own certificate, which carries the clientAuth usage. */
  etcdMember: {
    caFile: `${paths.etcdPkiDir}/ca.crt`,
    certFile: `${paths.etcdPkiDir}/server.crt`,
    keyFile: `${paths.etcdPkiDir}/server.key`,
  },
  /** On a control plane with stacked etcd: kubeadm's etcd health-check client certificate. */
  stackedControlPlane: {
    caFile: `${paths.kubernetesPki}/etcd/ca.crt`,
    certFile: `${paths.kubernetesPki}/etcd/healthcheck-client.crt`,
    keyFile: `${paths.kubernetesPki}/etcd/healthcheck-client.key`,
  },
  /** On a control plane with external etcd: kube-apiserver's etcd client certificate. */
  externalControlPlane: { caFile: EXTERNAL_ETCD_CA_FILE, certFile: EXTERNAL_ETCD_CERT_FILE, keyFile: EXTERNAL_ETCD_KEY_FILE },
} as const;
