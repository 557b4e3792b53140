/** Signed cluster changes (common/cluster-admins.ts): what needs an admin, and what a valid signature is. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkAdminSignature, guardedChanges, publicKeyOf, signChange } from '../../common/cluster-admins.js';

const aliceKey = randomBytes(32);
const malloryKey = randomBytes(32);
const admins = [{ id: 'alice@host', publicKey: publicKeyOf(aliceKey) }];
const node = (id: string, socketPath = '/var/run/docker.sock') => ({ id, docker: { socketPath } });
const current = { nodes: [node('n1'), node('n2')], admins };
const now = 1_800_000_000_000;

describe('cluster admins', () => {
  it('guards added nodes, changed endpoints and changed admins, not other changes', () => {
    expect(guardedChanges({ nodes: [node('n1')], admins }, current)).toEqual([]);
    expect(guardedChanges({ nodes: [node('n1'), node('n2', '/tmp/evil.sock')], admins }, current)).toEqual([
      'changes node "n2"\'s Docker endpoint',
    ]);
    expect(guardedChanges({ nodes: [node('n1'), node('n3')], admins: [] }, current)).toEqual([
      'adds node "n3"',
      'changes the admins',
    ]);
  });

  it('takes a change signed by an admin, and refuses it unsigned, by another key, altered, stale or from the future', () => {
    const next = { nodes: [node('n1'), node('n2', '/tmp/evil.sock')], admins };
    const signed = signChange(next, 'alice@host', aliceKey, now);
    expect(() => checkAdminSignature(next, current, signed, now + 1000)).not.toThrow();
    expect(() => checkAdminSignature(next, current, undefined, now)).toThrow(
      'this change changes node "n2"\'s Docker endpoint: it must be signed by one of the cluster\'s admins (alice@host)',
    );
    expect(() =>
      checkAdminSignature(next, current, signChange(next, 'alice@host', malloryKey, now), now),
    ).toThrow('the signature is not "alice@host"\'s over this spec');
    expect(() =>
      checkAdminSignature(next, current, signChange(next, 'mallory', malloryKey, now), now),
    ).toThrow('"mallory" is not one of the cluster\'s admins');
    const other = { nodes: [node('n1'), node('n2', '/tmp/other.sock')], admins };
    expect(() => checkAdminSignature(other, current, signed, now)).toThrow('the signature is not');
    expect(() => checkAdminSignature(next, current, signed, now + 11 * 60 * 1000)).toThrow(
      'not within 10 minutes',
    );
    expect(() => checkAdminSignature(next, current, signed, now - 2 * 60 * 1000)).toThrow(
      'not within 10 minutes',
    );
    expect(() => checkAdminSignature(next, current, { ...signed, signature: 'zz' }, now)).toThrow(
      'the signature is not',
    );
  });

  it('lets a cluster without admins change as before', () => {
    expect(() =>
      checkAdminSignature({ nodes: [node('n9', '/tmp/x.sock')] }, { nodes: [node('n1')] }, undefined, now),
    ).not.toThrow();
  });
});
