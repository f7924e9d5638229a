/** What the CLI reads from the orchestrator's REST answers (the server's schemas are the authority). */
export interface DeploymentView {
  id: string;
  service: string;
  phase: string;
  paused?: boolean;
  seq?: number;
  createdAt: string;
  updatedAt?: string;
  weights?: { blue: number; green: number };
  reason?: string | null;
  request?: {
    release?: { version?: string };
    strategy?: { steps?: { weight: number; bake: number }[] };
  };
  stepIndex?: number | null;
  analysis?: { step: number; verdict: string; extensions: number; reasons: string[] } | null;
  cachePlan?: { semantic: string; generations: { blue: string | null; green: string } } | null;
  rollbackOf?: string | null;
}

export interface EventView {
  id: string;
  type: string;
  deploymentId: string;
  service: string;
  seq: number;
  at: string;
  actor: string;
  causationId: string | null;
  data: unknown;
}

export interface Accepted {
  id: string;
  service: string;
  phase: string;
}

export interface Issue {
  path: string | readonly (string | number)[];
  message: string;
}

export interface ErrorBody {
  statusCode?: number;
  message?: string | string[];
  error?: string;
  issues?: Issue[];
  holder?: unknown;
}

export interface Connection {
  url: string;
  token: string | undefined;
}
