/**
 * Replays every recorded workflow history (test/replay/histories, written by record-histories.ts) against
 * the current workflow bundle. A change to workflow code that alters the commands of a recorded execution
 * fails here: gate such a change with patched() so that executions already running keep replaying.
 * The `legacy-*` histories come from the code before the cluster service's decide-in-handlers patch and
 * guard that patch's old branch, `legacy-evdriven-*` from the run workflow before the dataflow patch; the
 * current code cannot re-record them.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDataConverter } from '../../engine/codec/data-converter.js';
import { HISTORIES_DIR, MANIFEST_FILE, type Manifest, REPLAY_CODEC_KEY } from './manifest.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIN_HISTORIES = 10;
// Written by a faulty cluster service whose live run diverged from its own replay at this event.
const KNOWN_BAD = path.resolve(ROOT, '../shared/replay/cluster-service-nondeterminism.json');
const KNOWN_BAD_EVENT = 3383;

const RECORD = 'npx tsx test/replay/record-histories.ts';
const files = existsSync(HISTORIES_DIR)
  ? readdirSync(HISTORIES_DIR)
      .filter((f) => f.endsWith('.json') && f !== MANIFEST_FILE)
      .sort()
  : [];
const manifestPath = path.join(HISTORIES_DIR, MANIFEST_FILE);
const manifest: Manifest = existsSync(manifestPath)
  ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Manifest)
  : { histories: [] };
const byFile = new Map(manifest.histories.map((e) => [e.file, e]));

async function replay(file: string, workflowId: string): Promise<void> {
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  // The workers' codec, with the key the histories were recorded with (older ones are not encrypted).
  const dataConverter = await loadDataConverter({ kind: 'env', text: REPLAY_CODEC_KEY });
  return Worker.runReplayHistory(
    { workflowBundle: { codePath: inject('bundlePath') }, dataConverter },
    history,
    workflowId,
  );
}

beforeAll(() => {
  try {
    // The known-bad history makes Core log its nondeterminism as a warning; only real errors are news here.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    });
  } catch {
    // A forked test process that ran another file already has the runtime; that one is fine.
  }
});

describe('recorded workflow histories', () => {
  it(`holds at least ${MIN_HISTORIES} histories, of both workflow types, each listed in the manifest`, () => {
    expect(files.length, `histories in ${HISTORIES_DIR} (record them: ${RECORD})`).toBeGreaterThanOrEqual(
      MIN_HISTORIES,
    );
    expect(files.filter((f) => !byFile.has(f))).toEqual([]);
    expect(manifest.histories.map((e) => e.file).filter((f) => !files.includes(f))).toEqual([]);
    expect(new Set(manifest.histories.map((e) => e.workflowType))).toEqual(
      new Set(['clusterService', 'runForeachSlice', 'runPipeline', 'triggerRegistry']),
    );
  });

  it('includes cluster service executions that continued as new at least twice', () => {
    const chains = new Map<string, number>();
    for (const e of manifest.histories.filter((h) => h.workflowType === 'clusterService'))
      chains.set(e.workflowId, (chains.get(e.workflowId) ?? 0) + 1);
    expect(Math.max(...chains.values())).toBeGreaterThanOrEqual(3);
  });

  it.each(files)('replays %s against the current workflow bundle', async (file) => {
    const entry = byFile.get(file);
    if (!entry) throw new Error(`${file} is not listed in ${MANIFEST_FILE}: record it with ${RECORD}`);
    await replay(path.join(HISTORIES_DIR, file), entry.workflowId);
  });
});

// Guards the analysis of a known divergence; the file lives beside the repository, not in it.
if (existsSync(KNOWN_BAD)) {
  describe('the known-bad cluster service history', () => {
    it(`fails to replay with a determinism violation at event ${KNOWN_BAD_EVENT}`, async () => {
      const error: unknown = await replay(KNOWN_BAD, 'gantry-cluster-default').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(DeterminismViolationError);
      expect((error as Error).message).toContain(`HistoryEvent(id: ${KNOWN_BAD_EVENT},`);
    });
  });
}
