/** Connecting to Temporal, with a clear error when nothing answers, and registering search attributes. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { SearchAttribute } from '../common/names.js';
import type { GantryConfig } from './config.js';
import { TemporalUnavailableError } from './errors.js';

export async function connectClient(config: GantryConfig): Promise<Client> {
  try {
    const connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: '5s' });
    return new Client({ connection, namespace: config.namespace });
  } catch (err) {
    throw new TemporalUnavailableError(config.temporalAddress, {
      cause: err,
      isConfigured: config.isAddressConfigured,
    });
  }
}

export async function connectWorker(config: GantryConfig): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ address: config.temporalAddress });
  } catch (err) {
    throw new TemporalUnavailableError(config.temporalAddress, {
      cause: err,
      isConfigured: config.isAddressConfigured,
    });
  }
}

/** Idempotent: adds the Keyword attributes the workflows upsert, if the server lacks them. */
export async function ensureSearchAttributes(client: Client, namespace: string): Promise<void> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.values(SearchAttribute).filter((name) => !(name in (customAttributes ?? {})));
  if (missing.length === 0) return;
  await client.connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(
      missing.map((name) => [name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}
