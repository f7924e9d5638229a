import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { parseBody } from '../common/request-body.util';
import { FaultState } from './fault-state.service';
import { FaultsPatchSchema, ServedModelNameSchema, type Faults } from './faults.schema';

/** Runtime fault injection: tests flip a healthy replica into a broken one without a restart. */
@Controller('admin')
export class AdminController {
  constructor(private readonly faults: FaultState) {}

  @Get('faults')
  current(): Readonly<Faults> {
    return this.faults.get();
  }

  /** Merges the given faults into the current ones; answers with the faults now in force. */
  @Put('faults')
  @HttpCode(200)
  update(@Body() body: unknown): Readonly<Faults> {
    return this.faults.update(parseBody(FaultsPatchSchema, body));
  }

  @Put('served-model-name')
  @HttpCode(200)
  rename(@Body() body: unknown): Readonly<Faults> {
    const { name } = parseBody(ServedModelNameSchema, body);
    return this.faults.update({ servedModelName: name });
  }
}
