/** Connecting to Temporal, with a clear error when nothing answers, and registering search attributes. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { SearchAttribute } from '../common/names.js';
import { loadDataConverter } from './codec/data-converter.js';
import type { GantryConfig } from './config.js';
import { TemporalUnavailableError } from './errors.js';
import { loadTemporalTls } from './temporal-tls.js';

/** A client whose payloads are encrypted with the stack's codec keys (engine/codec). */
export async function connectClient(config: GantryConfig): Promise<Client> {
  // Outside the try: a bad key is a configuration error, not an unreachable server.
  const dataConverter = await loadDataConverter(config.codecKeys);
  const tls = config.temporalTls ? await loadTemporalTls(config.temporalTls) : undefined;
  try {
    const connection = await Connection.connect({
      address: config.temporalAddress,
      connectTimeout: '5s',
      ...(tls === undefined ? {} : { tls }),
    });
    return new Client({ connection, namespace: config.namespace, dataConverter });
  } catch (err) {
    throw new TemporalUnavailableError(config.temporalAddress, {
      cause: err,
      isConfigured: config.isAddressConfigured,
    });
  }
}

export async function connectWorker(config: GantryConfig): Promise<NativeConnection> {
  const tls = config.temporalTls ? await loadTemporalTls(config.temporalTls) : undefined;
  try {
    return await NativeConnection.connect({
      address: config.temporalAddress,
      ...(tls === undefined ? {} : { tls }),
    });
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
