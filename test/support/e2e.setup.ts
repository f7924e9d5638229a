// Each e2e test starts real processes; a whole-stack start alone can take several seconds on 2 cores.
jest.setTimeout(180_000);
