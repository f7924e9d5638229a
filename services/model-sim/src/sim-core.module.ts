import { type DynamicModule, Global, Module } from '@nestjs/common';
import { FaultState } from './admin/fault-state.service';
import type { SimOptions } from './config/sim-options.schema';
import { SimEngine } from './engine/engine.service';
import { KnowledgeBase } from './knowledge/knowledge.service';
import { SimLifecycle } from './lifecycle/lifecycle.service';
import { SimMetrics } from './metrics/sim-metrics.service';
import { ServedModel } from './serving/served-model.service';
import { SIM_OPTIONS } from './sim.constants';
import { PromptEncoder } from './tokenizer/prompt-encoder.util';

/** The framework-free pieces of one simulator, built before Nest and shared with its controllers. */
export interface SimRuntime {
  options: SimOptions;
  engine: SimEngine;
  faults: FaultState;
  lifecycle: SimLifecycle;
  knowledge: KnowledgeBase;
  prompts: PromptEncoder;
  metrics: SimMetrics;
}

@Global()
@Module({})
export class SimCoreModule {
  static forRoot(runtime: SimRuntime): DynamicModule {
    const providers = [
      { provide: SIM_OPTIONS, useValue: runtime.options },
      { provide: SimEngine, useValue: runtime.engine },
      { provide: FaultState, useValue: runtime.faults },
      { provide: SimLifecycle, useValue: runtime.lifecycle },
      { provide: KnowledgeBase, useValue: runtime.knowledge },
      { provide: PromptEncoder, useValue: runtime.prompts },
      { provide: SimMetrics, useValue: runtime.metrics },
      ServedModel,
    ];
    return { module: SimCoreModule, providers, exports: providers };
  }
}
