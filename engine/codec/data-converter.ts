/**
 * The one data converter of every Temporal client and worker Gantry creates: the default payload converter
 * behind the encryption codec. Clients and workers of one stack read the same key source (see
 * key-source.ts), so what one encrypts the other decrypts.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter, Payload } from '@temporalio/common';
import { EncryptionCodec } from './encryption-codec.js';
import { type CodecKeySource, loadKeyRing } from './key-source.js';

/** The codec for `source`, creating the key file on first use so that encryption is always on. */
export async function loadCodec(source: CodecKeySource): Promise<EncryptionCodec> {
  const { ring } = await loadKeyRing(source);
  return new EncryptionCodec({ keys: ring, reload: async () => (await loadKeyRing(source)).ring });
}

export async function loadDataConverter(source: CodecKeySource): Promise<DataConverter> {
  return { payloadCodecs: [await loadCodec(source)] };
}

/** Payloads read straight from a history, decoded by the client's codecs (in reverse of their order). */
export async function decodeHistoryPayloads(client: Client, payloads: Payload[]): Promise<Payload[]> {
  let decoded = payloads;
  for (const codec of [...client.workflow.options.loadedDataConverter.payloadCodecs].reverse())
    decoded = await codec.decode(decoded);
  return decoded;
}
