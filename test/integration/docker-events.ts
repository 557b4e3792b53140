/** What an engine's own event stream says a run's containers did, for tests that must not trust Gantry. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Label } from '../../common/names.js';

const run = promisify(execFile);

/** Names of the run's containers the engine at `host` (the local one when absent) created since `since`. */
export async function containersCreated(runId: string, since: number, host?: string): Promise<string[]> {
  const { stdout } = await run('docker', [
    ...(host ? ['-H', host] : []),
    'events',
    '--since',
    String(Math.floor(since / 1000) - 1),
    '--until',
    String(Math.ceil(Date.now() / 1000)),
    '--filter',
    'event=create',
    '--filter',
    `label=${Label.Run}=${runId}`,
    '--format',
    '{{.Actor.Attributes.name}}',
  ]);
  return stdout.split('\n').filter(Boolean).sort();
}
