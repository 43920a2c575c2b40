/**
 * Test support: every copy of `base` in which one subtree is replaced by a value of a wrong type.
 * The span APIs must answer each with a 4xx or a rejected span, never a crash.
 */
const WRONG: unknown[] = [null, 0, -1, 1.5, 'x', '', true, [], {}, [1], { a: 1 }];

export function* wrongTypeMutations(base: unknown): Generator<{ body: string; replaced: unknown }> {
  const root = structuredClone(base);
  function* visit(
    node: unknown,
    set: ((v: unknown) => void) | undefined,
  ): Generator<{ body: string; replaced: unknown }> {
    if (set) {
      for (const replaced of WRONG) {
        set(replaced);
        yield { body: JSON.stringify(root), replaced };
      }
      set(node);
    }
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      for (const k of Object.keys(obj)) {
        yield* visit(obj[k], (v) => {
          obj[k] = v;
        });
      }
    }
  }
  yield* visit(root, undefined);
}
