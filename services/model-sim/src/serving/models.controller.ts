import { Controller, Get, Inject } from '@nestjs/common';
import type { SimOptions } from '../config/sim-options.schema';
import { SIM_OPTIONS } from '../sim.constants';
import { ServedModel } from './served-model.service';

@Controller('v1/models')
export class ModelsController {
  private readonly created = Math.floor(Date.now() / 1000);

  constructor(
    private readonly served: ServedModel,
    @Inject(SIM_OPTIONS) private readonly options: SimOptions,
  ) {}

  /** vLLM's model card: the served name, owned by "vllm", with its context length. */
  @Get()
  list() {
    this.served.assertReady();
    return {
      object: 'list',
      data: [
        {
          id: this.served.name,
          object: 'model',
          created: this.created,
          owned_by: 'vllm',
          root: this.options.model,
          parent: null,
          max_model_len: this.options.maxModelLen,
        },
      ],
    };
  }
}
