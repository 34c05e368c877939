import type { Logger } from 'pino';
import type { Registry } from './registry.ts';

export const RedisRegistry = {
  async connect(_url: string, _log: Logger, _queueMax: number): Promise<Registry> {
    throw new Error('the Redis registry is not implemented yet');
  },
};
