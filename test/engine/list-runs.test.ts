import { describe, expect, it } from 'vitest';
import { isSafeQueryValue, listedStatus, runListQuery } from '../../engine/list-runs.js';

describe('runListQuery', () => {
  it('lists top-level runs by their latest execution when nothing is filtered', () => {
    expect(runListQuery({})).toBe(
      "WorkflowType = 'runPipeline' AND ExecutionStatus != 'ContinuedAsNew' AND (ParentWorkflowId IS NULL OR GantryTrigger IS NOT NULL)",
    );
  });

  it('makes "failed runs of pipeline X from schedule Y" one query', () => {
    expect(runListQuery({ pipeline: 'etl', status: 'failed', schedule: 'nightly' })).toBe(
      "WorkflowType = 'runPipeline' AND ExecutionStatus != 'ContinuedAsNew' AND (ParentWorkflowId IS NULL OR GantryTrigger IS NOT NULL)" +
        " AND GantryPipeline = 'etl' AND (GantryStatus = 'failed' OR ExecutionStatus IN ('Failed', 'TimedOut')) AND GantrySchedule = 'nightly'",
    );
  });

  it('includes child runs with --all and filters by trigger', () => {
    const query = runListQuery({ isIncludingChildren: true, trigger: 'pipeline' });
    expect(query).not.toContain('ParentWorkflowId');
    expect(query).toContain("GantryTrigger = 'pipeline'");
  });
});

describe('listedStatus', () => {
  it.each([
    ['RUNNING', 'running', 'running'],
    ['COMPLETED', 'succeeded', 'succeeded'],
    ['FAILED', 'failed', 'failed'],
    ['FAILED', 'running', 'failed'],
    ['TIMED_OUT', null, 'failed'],
    ['CANCELLED', 'running', 'cancelled'],
    ['TERMINATED', 'running', 'terminated'],
    ['COMPLETED', null, 'succeeded'],
  ] as const)('shows a %s execution whose GantryStatus is %s as %s', (execution, gantry, shown) => {
    expect(listedStatus(execution, gantry)).toBe(shown);
  });
});

describe('isSafeQueryValue', () => {
  it('refuses values that could change the visibility query', () => {
    expect(isSafeQueryValue('nightly-etl')).toBe(true);
    expect(isSafeQueryValue("x' OR '1'='1")).toBe(false);
    expect(isSafeQueryValue('a\\b')).toBe(false);
    expect(isSafeQueryValue('')).toBe(false);
  });
});
