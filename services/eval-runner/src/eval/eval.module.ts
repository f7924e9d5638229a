import { type DynamicModule, Module } from '@nestjs/common';
import type { EvalSettings } from '../config/eval-runner.config';
import {
  UndiciModelTransport,
  type ModelTransportFactory,
} from '../model-client/model-http.transport';
import { EvalCancellationService } from './eval-cancellation.service';
import { EVAL_SETTINGS, MODEL_TRANSPORT_FACTORY } from './eval.constants';
import { EvalHandler } from './eval.handler';
import { EvalMetrics } from './eval.metrics';
import { EvalService } from './eval.service';

/** Verifying's evidence: smoke tests + eval suite on green, paired with blue, per eval.run command. */
@Module({})
export class EvalModule {
  static register(settings: EvalSettings): DynamicModule {
    return {
      module: EvalModule,
      controllers: [EvalHandler],
      providers: [
        EvalService,
        EvalCancellationService,
        EvalMetrics,
        { provide: EVAL_SETTINGS, useValue: settings },
        {
          provide: MODEL_TRANSPORT_FACTORY,
          useValue: ((connections) =>
            new UndiciModelTransport(connections)) satisfies ModelTransportFactory,
        },
      ],
    };
  }
}
