import { describe, expect, it } from 'vitest';
import { encodeUtf8 } from './encoding.js';
import { computeRoot, hashLeaf, inclusionProofNodes, assembleProof, nodeKey, type NodeId } from './merkle.js';
import { sha256Js } from './sha256-js.js';
import { checkSubjectEntry, entryFields } from './subject.js';

/** A small log: entries about two corridors, their leaves, and proofs built from every node. */
function log(n: number): { entries: Uint8Array[]; root: Uint8Array; proof: (i: number) => Uint8Array[] } {
  const entries = Array.from({ length: n }, (_, i) => encodeUtf8(JSON.stringify({ action: i % 3 === 0 ? 'corridor.proposed' : 'guarantee.given', actor: `mem_${i}`, index: i, payload: null, subject: `corridor/cor_${i % 2}`, time: `2022-03-0${1 + (i % 9)}T08:00:00.000Z` })));
  const leaves = entries.map((e) => hashLeaf(e, sha256Js));
  const nodes = new Map<string, Uint8Array>();
  // Every perfect subtree's hash, level by level (what the store keeps).
  let level = leaves;
  for (let l = 0; level.length > 0; l++) {
    level.forEach((h, i) => nodes.set(nodeKey({ level: l, index: i } as NodeId), h));
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      const msg = new Uint8Array(65);
      msg[0] = 1;
      msg.set(level[i]!, 1);
      msg.set(level[i + 1]!, 33);
      up.push(sha256Js(msg));
    }
    level = up;
  }
  return {
    entries,
    root: computeRoot(leaves, sha256Js),
    proof: (i) => {
      const steps = inclusionProofNodes(i, n);
      return assembleProof(steps, nodes, sha256Js);
    },
  };
}

describe('checking one subject’s entries against a verified head', () => {
  const n = 11;
  const l = log(n);
  const head = { size: n, rootHash: l.root };

  it('accepts each entry of the subject with its proof, and says what it is', () => {
    for (let i = 1; i < n; i += 2) {
      expect(checkSubjectEntry({ index: i, entry: l.entries[i]!, proof: l.proof(i) }, 'corridor/cor_1', head, sha256Js)).toEqual({
        index: i,
        time: `2022-03-0${1 + (i % 9)}T08:00:00.000Z`,
        actor: `mem_${i}`,
        action: i % 3 === 0 ? 'corridor.proposed' : 'guarantee.given',
        subject: 'corridor/cor_1',
      });
    }
  });

  it('refuses a proof with one bit flipped, a proof of another index, and another root', () => {
    const proof = l.proof(3).map((p) => p.slice());
    proof[0]![5]! ^= 0x10;
    expect(() => checkSubjectEntry({ index: 3, entry: l.entries[3]!, proof }, 'corridor/cor_1', head, sha256Js)).toThrow(/inclusion proof for leaf 3 does not lead to the root of size 11/);
    expect(() => checkSubjectEntry({ index: 3, entry: l.entries[3]!, proof: l.proof(5) }, 'corridor/cor_1', head, sha256Js)).toThrow(/does not lead to the root/);
    expect(() => checkSubjectEntry({ index: 3, entry: l.entries[3]!, proof: l.proof(3) }, 'corridor/cor_1', { size: n, rootHash: log(n - 1).root }, sha256Js)).toThrow(/does not lead to the root/);
  });

  it('refuses another subject’s real entry, an entry served under another index, and bytes that are not an entry', () => {
    // Entry 2 is corridor cor_0's, included and proven: it is still not cor_1's.
    expect(() => checkSubjectEntry({ index: 2, entry: l.entries[2]!, proof: l.proof(2) }, 'corridor/cor_1', head, sha256Js)).toThrow('entry 2 is about corridor/cor_0, not corridor/cor_1');
    expect(() => checkSubjectEntry({ index: 5, entry: l.entries[3]!, proof: l.proof(5) }, 'corridor/cor_1', head, sha256Js)).toThrow('the bytes served as entry 5 are entry 3');
    expect(() => checkSubjectEntry({ index: 1, entry: encodeUtf8('not json'), proof: l.proof(1) }, 'corridor/cor_1', head, sha256Js)).toThrow('entry 1 is not JSON');
    expect(() => checkSubjectEntry({ index: 1, entry: new Uint8Array([0xff, 0xfe]), proof: l.proof(1) }, 'corridor/cor_1', head, sha256Js)).toThrow(/entry 1/);
  });

  it('reads what an entry says of itself leniently: missing or non-string fields empty, anything but a JSON object undefined', () => {
    expect(entryFields('{"action":"corridor.proposed","actor":"mem_1","index":4,"payload":null,"subject":"corridor/cor_1","time":"2022-03-05T08:00:00.000Z"}')).toEqual({ index: 4, time: '2022-03-05T08:00:00.000Z', actor: 'mem_1', action: 'corridor.proposed', subject: 'corridor/cor_1' });
    expect(entryFields('{"index":"4","subject":7}')).toEqual({ index: '4', time: '', actor: '', action: '', subject: '' });
    for (const text of ['not json', '[1,2]', 'null', '"s"', '']) expect(entryFields(text), text).toBeUndefined();
  });
});
