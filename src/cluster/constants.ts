import { EXTERNAL_ETCD_CA_FILE, EXTERNAL_ETCD_CERT_FILE, EXTERNAL_ETCD_KEY_FILE } from "../bootstrap/kubeadmConfig";
import { paths } from "../bootstrap/paths";

/**
 * Calico release applied as the default CNI: its documentation lists Kubernetes 1.32, 1.33 and 1.34 as tested
 * (Calico 3.29, the previous default, stopped at 1.32). v3.31.6 is the newest 3.31 patch confirmed to exist (Tigera
 * operator v1.40.13 ships it).
 */
export const DEFAULT_CALICO_VERSION = "v3.31.6";

/** Defaults of the cloud-neutral components, in one place so docs and code agree. */
export const defaults = {
  gateTimeoutSeconds: 600,
  etcdGateTimeoutSeconds: 300,
  gateIntervalSeconds: 2,
  hostReadyTimeoutMinutes: 20,
  cniManifestUrl: `https://raw.githubusercontent.com/projectcalico/calico/${DEFAULT_CALICO_VERSION}/manifests/calico.yaml`,
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
