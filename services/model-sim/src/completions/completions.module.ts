import { Module } from '@nestjs/common';
import { ChatCompletionsController } from './chat-completions.controller';
import { CompletionsController } from './completions.controller';
import { CompletionsService } from './completions.service';

@Module({
  controllers: [ChatCompletionsController, CompletionsController],
  providers: [CompletionsService],
})
export class CompletionsModule {}
