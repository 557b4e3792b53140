/**
 * Pipeline secrets in the model and the run workflow's rendering: declared once, used only in env values,
 * and sent to the worker as references (parts), never as values.
 */
import { describe, expect, it } from 'vitest';
import { definePipeline } from '../../pipeline/builder.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { HistoryBudget } from '../../workflows/run/history-budget.js';
import { renderContainerInput, ValueLoader } from '../../workflows/run/render-task.js';

const image = 'gantry/busybox';

function problems(input: unknown): string {
  try {
    parsePipeline(input);
  } catch (err) {
    return (err as Error).message;
  }
  return '';
}

describe('pipeline secrets', () => {
  const spec = parsePipeline({
    name: 'p',
    params: { user: 'app' },
    secrets: { DB: { file: 'db-password' }, TOKEN: { env: 'API_TOKEN' } },
    tasks: [
      {
        id: 'a',
        image,
        env: {
          URL: 'postgres://{{ params.user }}:{{ secrets.DB }}@db/app',
          TOKEN: '{{ secrets.TOKEN }}',
          PLAIN: 'x',
        },
      },
    ],
  });

  it('validates declared secrets used in env values', () => {
    expect(spec.secrets).toEqual({ DB: { file: 'db-password' }, TOKEN: { env: 'API_TOKEN' } });
  });

  it('refuses a secret outside env, an undeclared one and a malformed declaration, naming each place', () => {
    const message = problems({
      name: 'p',
      secrets: { DB: { file: 'db' }, BAD: { env: 'not a var' }, BOTH: { env: 'A', file: 'b' } },
      tasks: [{ id: 'a', image, command: ['echo', '{{ secrets.DB }}'], env: { X: '{{ secrets.NOPE }}' } }],
    });
    expect(message).toContain(
      'tasks[0].command[1]: {{ secrets.DB }}: secrets can be used only in env values',
    );
    expect(message).toContain(
      'tasks[0].env.X: {{ secrets.NOPE }}: unknown secret "NOPE" (declare it under secrets: { NOPE: { env: VAR } or { file: PATH } })',
    );
    expect(message).toContain('secrets.BAD');
    expect(message).toContain('secrets.BOTH');
  });

  it('renders env values that name secrets as parts for the worker, with only the secrets they name', () => {
    const loader = new ValueLoader(new HistoryBudget(1_000_000), 'control');
    const scope = { params: { user: 'app' }, runId: 'r1', scheduledTime: '', taskState: () => undefined };
    const run = {
      runId: 'r1',
      pipeline: 'p',
      isCacheDisabled: false,
      ...(spec.secrets ? { secrets: spec.secrets } : {}),
    };
    const input = renderContainerInput('a', spec.tasks[0]!, scope, loader, run, { nodeId: 'n1' });
    expect(input.env).toEqual({ PLAIN: 'x' });
    expect(input.secretEnv).toEqual({
      URL: ['postgres://', 'app', ':', { secret: 'DB' }, '@db/app'],
      TOKEN: [{ secret: 'TOKEN' }],
    });
    expect(input.secrets).toEqual({ DB: { file: 'db-password' }, TOKEN: { env: 'API_TOKEN' } });
  });

  it('gives builder pipelines typed secret references', () => {
    const p = definePipeline('b', { secrets: { TOKEN: { env: 'API_TOKEN' } } });
    p.task('a', { image, env: { TOKEN: p.secrets.TOKEN } });
    expect(p.build().tasks[0]!.env).toEqual({ TOKEN: '{{ secrets.TOKEN }}' });
  });
});
