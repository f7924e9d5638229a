// Integration tests start real nats-server / redis-server processes.
jest.setTimeout(60_000);
