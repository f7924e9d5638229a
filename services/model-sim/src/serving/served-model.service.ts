import { Inject, Injectable } from '@nestjs/common';
import { FaultState } from '../admin/fault-state.service';
import { OpenAiHttpError, SIM_ERRORS } from '../common/openai-error.util';
import type { SimOptions } from '../config/sim-options.schema';
import { SIM_OPTIONS } from '../sim.constants';

/** The model this replica serves now, and whether it is ready to serve it. */
@Injectable()
export class ServedModel {
  constructor(
    private readonly faults: FaultState,
    @Inject(SIM_OPTIONS) private readonly options: SimOptions,
  ) {}

  get name(): string {
    return this.faults.get().servedModelName;
  }

  get maxModelLen(): number {
    return this.options.maxModelLen;
  }

  get isReady(): boolean {
    return !this.faults.get().neverReady;
  }

  assertReady(): void {
    if (!this.isReady) throw new OpenAiHttpError(503, SIM_ERRORS.notReady);
  }

  /** vLLM answers 404 for a model it does not serve; an absent model means the served one. */
  resolve(requested: string | undefined): string {
    if (requested !== undefined && requested !== this.name) {
      throw new OpenAiHttpError(404, SIM_ERRORS.modelNotFound(requested), 'model');
    }
    return this.name;
  }
}
