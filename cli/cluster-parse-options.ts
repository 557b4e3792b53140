/** What a pipeline is checked against once the cluster is known: its nodes and its container policy. */
import type { ClusterSpec } from '../common/cluster-spec.js';
import { containerPolicyOf } from '../common/container-policy.js';
import type { ParseOptions } from '../pipeline/parse.js';

export function clusterParseOptions(cluster: ClusterSpec): ParseOptions {
  return { nodes: cluster.nodes, policy: containerPolicyOf(cluster) };
}
