/** A slice's workflow id. `.` never occurs in a task id, so it cannot meet a sub-pipeline's (`<run>--<task>`). */
export const sliceWorkflowId = (runWorkflowId: string, index: number): string =>
  `${runWorkflowId}.slice-${index}`;
