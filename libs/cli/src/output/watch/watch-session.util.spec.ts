import type { EventSourceMessage } from 'eventsource-parser';
import { ApiError, ConnectionError } from '../../api/api.errors';
import type { CliIo } from '../../commands/command.util';
import { WATCH_EXIT } from './watch.constants';
import { ID, successfulDeploy } from './watch.fixture';
import type { WatchInput } from './watch.reducer';
import { watchDeployment, type StreamSource } from './watch-session.util';

const ESC = String.fromCharCode(27);

function message(input: WatchInput): EventSourceMessage {
  switch (input.kind) {
    case 'deployment':
      return { event: 'deployment', data: JSON.stringify(input.record), id: undefined };
    case 'audit':
      return { event: 'audit', data: JSON.stringify(input.envelope), id: input.envelope.id };
    case 'live':
      return { event: 'live', data: '{}', id: undefined };
  }
}

/** Each connection plays one script: its messages, then an error or the end of the stream. */
function scripted(connections: { inputs: WatchInput[]; error?: Error }[]): StreamSource & {
  opened: number;
} {
  const source = {
    opened: 0,
    async *follow(): AsyncGenerator<EventSourceMessage> {
      const script = connections[source.opened] ?? {
        inputs: [],
        error: new ConnectionError('down'),
      };
      source.opened += 1;
      for (const input of script.inputs) {
        await Promise.resolve();
        yield message(input);
      }
      if (script.error) throw script.error;
    },
  };
  return source;
}

function capture(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

const options = (signal = new AbortController().signal) =>
  ({ until: 'completed', mode: 'plain', signal }) as const;

describe('watchDeployment: following the stream to the end', () => {
  it('reconnects when the stream drops and shows each event once, then exits 0 on Completed', async () => {
    const all = successfulDeploy();
    const live = all.at(-1)!;
    const history = all.slice(0, -1);
    const cut = 12;
    // The orchestrator restarts mid-deploy: the second connection replays the whole history.
    const source = scripted([
      { inputs: [...history.slice(0, cut)], error: new ConnectionError('ECONNRESET') },
      { inputs: [...history, live] },
    ]);
    const io = capture();

    const code = await watchDeployment(source, ID, io, options());

    expect(code).toBe(WATCH_EXIT.succeeded);
    expect(source.opened).toBe(2);
    const phases = io.stdout.filter((line) => / took /.test(line) || /Requested {2}/.test(line));
    expect(phases.map((line) => line.slice(10, 22).trim())).toEqual([
      'Requested',
      'Provisioning',
      'WarmingUp',
      'Verifying',
      'Canary',
      'Ramping',
      'Promoted',
      'Draining',
      'Standby',
      'Completed',
    ]);
    expect(new Set(io.stdout).size).toBe(io.stdout.length);
    expect(io.stdout.at(-1)).toBe(`deployment ${ID} Completed after 1m11s`);
    expect(io.stderr).toEqual([
      expect.stringMatching(/^stream lost \(ECONNRESET\); reconnecting in 0\.5 s$/),
      'stream back; catching up on what was missed',
    ]);
  });

  it('gives up on an unknown deployment at once (no retry)', async () => {
    const source = scripted([
      { inputs: [], error: new ApiError(404, { message: 'no such deployment' }) },
    ]);

    await expect(watchDeployment(source, ID, capture(), options())).rejects.toMatchObject({
      status: 404,
    });
    expect(source.opened).toBe(1);
  });

  it('does not retry an orchestrator it never reached (a wrong URL, not a restart)', async () => {
    const source = scripted([{ inputs: [], error: new ConnectionError('ECONNREFUSED') }]);

    await expect(watchDeployment(source, ID, capture(), options())).rejects.toThrow('ECONNREFUSED');
    expect(source.opened).toBe(1);
  });

  it('stops watching on Ctrl-C with 130, leaving the deployment alone', async () => {
    const controller = new AbortController();
    const all = successfulDeploy();
    const source: StreamSource = {
      async *follow(_id, signal) {
        yield message(all[0]!);
        controller.abort();
        // As the real client: an aborted request ends the stream.
        if (!signal?.aborted)
          await new Promise((resolve) => signal?.addEventListener('abort', resolve));
      },
    };
    const io = capture();

    const code = await watchDeployment(source, ID, io, options(controller.signal));

    expect(code).toBe(WATCH_EXIT.interrupted);
    expect(io.stderr).toEqual([expect.stringContaining('the deployment goes on')]);
  });

  it('prints --json lines: each record change once, each envelope once, then the end', async () => {
    const all = successfulDeploy();
    const record = all[0]!;
    const source = scripted([{ inputs: [record, record, ...all.slice(1)] }]);
    const io = capture();

    const code = await watchDeployment(source, ID, io, { ...options(), mode: 'json' });

    expect(code).toBe(0);
    const events = io.stdout.map((line) => JSON.parse(line) as { event: string; data?: unknown });
    expect(events.filter((e) => e.event === 'deployment')).toHaveLength(1);
    expect(events.filter((e) => e.event === 'audit')).toHaveLength(all.length - 2);
    expect(events.at(-1)).toEqual({ event: 'end', data: { phase: 'Completed', exitCode: 0 } });
  });

  it('on a terminal redraws the frame in place and leaves the final frame and outcome', async () => {
    const writes: string[] = [];
    const io = capture();
    const all = successfulDeploy();
    const source: StreamSource = {
      async *follow() {
        for (const [i, input] of all.entries()) {
          // Half-way, a pause longer than a frame: the screen redraws at least once.
          if (i === 12) await new Promise((resolve) => setTimeout(resolve, 600));
          yield message(input);
        }
      },
    };

    const code = await watchDeployment(source, ID, io, {
      ...options(),
      mode: 'tty',
      terminal: { write: (text) => writes.push(text), columns: 120, rows: 60 },
    });

    expect(code).toBe(0);
    // At most 4 frames a second, not one per event.
    expect(writes.length).toBeLessThan(all.length / 2);
    expect(writes[0]).not.toContain('\u001b');
    const last = writes.at(-1)!;
    // Each frame after the first moves the cursor back over the previous one and clears below.
    const rewind = new RegExp(`^${ESC}\\[\\d+F${ESC}\\[0J`);
    expect(last).toMatch(rewind);
    expect(last).toContain('✓  Completed');
    expect(io.stdout).toEqual([`deployment ${ID} Completed after 1m11s`]);
  });
});
