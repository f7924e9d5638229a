import { lookSchedule } from './analysis.service';

describe('lookSchedule', () => {
  const started = Date.parse('2025-01-01T10:00:00.000Z');

  it('plans a look every interval, the last one at the end of maxDuration', () => {
    const schedule = lookSchedule(started, 95_000, 30_000);

    expect(schedule.looks).toBe(4);
    expect([1, 2, 3, 4].map((look) => schedule.dueAt(look) - started)).toEqual([
      30_000, 60_000, 90_000, 95_000,
    ]);
  });

  it('resumes the same numbering after a restart, so each look keeps its event id', () => {
    const schedule = lookSchedule(started, 600_000, 30_000);

    expect(schedule.nextAfter(started)).toBe(1);
    expect(schedule.nextAfter(started + 75_000)).toBe(3);
  });

  it('never looks more often than once a second', () => {
    expect(lookSchedule(started, 10_000, 0).looks).toBe(10);
  });
});
