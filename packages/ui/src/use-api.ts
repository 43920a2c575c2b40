import { type DependencyList, useCallback, useEffect, useState } from 'react';

export type Loadable<T> =
  | { state: 'loading'; data?: undefined; error?: undefined }
  | { state: 'error'; data?: undefined; error: Error }
  | { state: 'ok'; data: T; error?: undefined };

/**
 * Runs `load` when `deps` change (aborting the previous run) and on reload(); a page renders the
 * three states with <Async>. `load` gets an AbortSignal so a page left mid-request cancels it.
 */
export function useLoad<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
): Loadable<T> & { reload: () => void } {
  const [state, setState] = useState<Loadable<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's deps decide when to reload
  useEffect(() => {
    const abort = new AbortController();
    setState((s) => (s.state === 'ok' && tick > 0 ? s : { state: 'loading' }));
    load(abort.signal).then(
      (data) => {
        if (!abort.signal.aborted) setState({ state: 'ok', data });
      },
      (error: Error) => {
        if (!abort.signal.aborted) setState({ state: 'error', error });
      },
    );
    return () => abort.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
