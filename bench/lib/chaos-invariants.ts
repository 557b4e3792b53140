/**
 * What the chaos suite checks after each fault (issue #11), from Docker's own event streams and Gantry's run
 * summaries. Pure: the runner collects the events (`docker events --format '{{json .}}'` on every engine)
 * and the summaries, and these functions judge them.
 */

/** One container event, as Docker reports it, reduced to what the checks read. */
export interface ContainerEvent {
  readonly engine: string;
  readonly action: string;
  readonly name: string;
  readonly run: string;
  readonly task: string;
  readonly attempt: string;
  /** A `die` event's exit code. */
  readonly exitCode?: string;
  /** Milliseconds since the epoch (Docker's timeNano / 1e6). */
  readonly at: number;
}

/** Parses `docker events --format '{{json .}}'` lines of task containers (label gantry.task). */
export function parseEvents(engine: string, lines: string): ContainerEvent[] {
  return lines
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const e = JSON.parse(line) as {
        Type?: string;
        Action?: string;
        timeNano?: number;
        Actor?: { Attributes?: Record<string, string> };
      };
      const a = e.Actor?.Attributes ?? {};
      if (e.Type !== 'container' || a['gantry.task'] === undefined) return [];
      return [
        {
          engine,
          action: e.Action ?? '',
          name: a['name'] ?? '',
          run: a['gantry.run'] ?? '',
          task: a['gantry.task'],
          attempt: a['gantry.attempt'] ?? '',
          ...(a['exitCode'] === undefined ? {} : { exitCode: a['exitCode'] }),
          at: Math.round((e.timeNano ?? 0) / 1e6),
        },
      ];
    });
}

interface Life {
  readonly key: string;
  readonly name: string;
  readonly engine: string;
  readonly from: number;
  readonly to: number;
}

/**
 * Each container's time alive: from its start to its death (or to `end` if it never died within the
 * events). A container started twice (an adopted one is not) counts as two lives.
 */
function lives(events: readonly ContainerEvent[], end: number): Life[] {
  const open = new Map<string, { from: number; e: ContainerEvent }>();
  const result: Life[] = [];
  const sorted = [...events].sort((a, b) => a.at - b.at);
  for (const e of sorted) {
    const id = `${e.engine}/${e.name}`;
    if (e.action === 'start') open.set(id, { from: e.at, e });
    if ((e.action === 'die' || e.action === 'destroy') && open.has(id)) {
      const o = open.get(id)!;
      open.delete(id);
      result.push({ key: `${e.run}/${e.task}`, name: e.name, engine: e.engine, from: o.from, to: e.at });
    }
  }
  for (const [, o] of open)
    result.push({ key: `${o.e.run}/${o.e.task}`, name: o.e.name, engine: o.e.engine, from: o.from, to: end });
  return result;
}

/** Tasks that had two containers alive at the same moment: `run/task` → the two containers. */
export function overlappingTasks(
  events: readonly ContainerEvent[],
  end: number,
): Map<string, [string, string]> {
  const byTask = new Map<string, Life[]>();
  for (const life of lives(events, end)) byTask.set(life.key, [...(byTask.get(life.key) ?? []), life]);
  const found = new Map<string, [string, string]>();
  for (const [key, all] of byTask) {
    const sorted = [...all].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) {
      const before = sorted[i - 1]!;
      const after = sorted[i]!;
      if (after.from < before.to) {
        found.set(key, [`${before.engine}/${before.name}`, `${after.engine}/${after.name}`]);
        break;
      }
    }
  }
  return found;
}

/**
 * Containers per `run/task` that ran to a zero exit: the task's work done. More than one means it ran twice
 * (a container killed by a preemption or a fault, and run again, is not a second completion).
 */
export function completionsPerTask(events: readonly ContainerEvent[]): Map<string, number> {
  const done = new Map<string, number>();
  for (const e of events) {
    if (e.action !== 'die' || e.exitCode !== '0') continue;
    done.set(`${e.run}/${e.task}`, (done.get(`${e.run}/${e.task}`) ?? 0) + 1);
  }
  return done;
}

export interface RunOutcome {
  readonly runId: string;
  /** Whether the case expects this run to succeed (a run the case terminates does not). */
  readonly isExpectedToSucceed: boolean;
  readonly status: string;
  /** Task id → its final status. */
  readonly tasks: Readonly<Record<string, string>>;
}

export interface Verdict {
  readonly runsFinished: number;
  readonly runs: number;
  /** Tasks of runs expected to succeed that did not. */
  readonly lost: readonly string[];
  /** Tasks that ran twice: two containers alive at once, or two containers that ran to a zero exit. */
  readonly duplicated: readonly string[];
  /** Containers left behind and reservations still held for closed runs. */
  readonly leaked: readonly string[];
}

export function judge(
  outcomes: readonly RunOutcome[],
  events: readonly ContainerEvent[],
  end: number,
  leftContainers: readonly string[],
  heldForClosedRuns: readonly string[],
): Verdict {
  const lost = outcomes
    .filter((o) => o.isExpectedToSucceed)
    .flatMap((o) =>
      Object.entries(o.tasks)
        .filter(([, status]) => status !== 'succeeded')
        .map(([task, status]) => `${o.runId}/${task} (${status})`),
    );
  const overlaps = overlappingTasks(events, end);
  const done = completionsPerTask(events);
  const where = (key: string) =>
    events
      .filter((e) => e.action === 'die' && e.exitCode === '0' && `${e.run}/${e.task}` === key)
      .map(
        (e) =>
          `${e.name} on ${e.engine.split('/').at(-2) ?? e.engine} at ${new Date(e.at).toISOString().slice(11, 23)}`,
      )
      .join('; ');
  const ranTwice = [...done]
    .filter(([, n]) => n > 1)
    .map(([key, n]) => `${key} (completed ${n} times: ${where(key)})`);
  const duplicated = [
    ...[...overlaps].map(([key, [a, b]]) => `${key} (alive at once: ${a}, ${b})`),
    ...ranTwice,
  ];
  return {
    runs: outcomes.length,
    runsFinished: outcomes.filter((o) => o.status !== 'running').length,
    lost,
    duplicated,
    leaked: [
      ...leftContainers.map((c) => `container ${c}`),
      ...heldForClosedRuns.map((k) => `reservation ${k}`),
    ],
  };
}
