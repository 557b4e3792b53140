import { describe, expect, it } from 'vitest';
import { nodeSockets } from '../../cli/up-nodes.js';
import { daemonFiles, daemonRole } from '../../cli/worker-daemon.js';
import { loadConfig } from '../../engine/config.js';

describe('gantry up --nodes', () => {
  it("reads the node engines' sockets from up.sh's lines, in node order", () => {
    const env = {
      GANTRY_NODE_2: 'unix:///r/node-2/docker.sock',
      GANTRY_NODE_1: 'unix:///r/node-1/docker.sock',
    };
    expect(nodeSockets(env, 2)).toEqual(['/r/node-1/docker.sock', '/r/node-2/docker.sock']);
    expect(() => nodeSockets(env, 3)).toThrow('did not report node engine 3 (GANTRY_NODE_3)');
  });

  it('gives each background worker of a cluster its own pid file by what it serves', () => {
    expect(daemonRole([])).toBeUndefined();
    expect(daemonRole(['--control', '--cluster-file', '/f.yaml'])).toBe('control');
    expect(daemonRole(['--node', 'n1'])).toBe('node-n1');
    expect(daemonRole(['--node', 'n1', 'n2', '--cluster-file', 'x'])).toBe('node-n1-n2');
    const config = { ...loadConfig({}), home: '/h', clusterName: 'c', controlTaskQueue: 'q' };
    expect(daemonFiles(config).pidFile).toBe('/h/run/worker-c-q.pid');
    expect(daemonFiles(config, 'node-n1').pidFile).toBe('/h/run/worker-c-q--node-n1.pid');
  });
});
