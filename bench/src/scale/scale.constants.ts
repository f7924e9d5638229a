/** The line sim-host prints once every replica it hosts listens. */
export const SIM_HOST_READY = /sim-host ready (\d+)/;
