import type { RoutingTable } from '@greenlight/contracts';

/** One kind of data plane the shifter keeps in line with the routing tables. */
export interface DataPlaneDriver {
  /** For logs and metrics: embedded, haproxy, gateway-api. */
  readonly name: string;
  /** Why this driver cannot serve `table` (checked before anything changes), or undefined. */
  check(table: RoutingTable): string | undefined;
  /**
   * Makes this data plane serve `table` (the routes bucket already holds it). Runs in version
   * order per service, so it must be quick: a runtime-API batch, not a wait for others.
   */
  apply(table: RoutingTable, deadline: number): Promise<void>;
  /**
   * Resolves once every instance of this data plane serves `table` or a newer version; rejects,
   * saying who is missing, if that has not happened by `deadline` (epoch ms).
   */
  confirm(table: RoutingTable, deadline: number): Promise<void>;
}
