/** Small Preact hooks: fetched resources, server-sent events, the hash route. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Resource<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
  /** Replace the data locally (live updates), without a request. */
  set(update: (previous: T | undefined) => T | undefined): void;
}

/** `load` runs when `key` changes and on `reload()`; a stale answer (older key) is dropped. */
export function useResource<T>(key: string, load: () => Promise<T>): Resource<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const ticket = ++current.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => ticket === current.current && setState({ data, loading: false }),
      (error: Error) => ticket === current.current && setState((s) => ({ ...s, error, loading: false })),
    );
  }, [key, generation]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: useCallback(() => setGeneration((g) => g + 1), []),
    set: useCallback((update) => setState((s) => ({ ...s, data: update(s.data) })), []),
  };
}

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/**
 * Subscribes to a server-sent event stream while mounted; the browser reconnects on its own. `onOpen` runs on every
 * (re)connection: the streams carry changes only, so what changed before the stream was open — after the page's
 * first fetch, or while it was reconnecting — must be fetched again (a job that started in that gap and then sent
 * nothing more would otherwise show as queued for good).
 */
export function useEventSource(url: string | null, handlers: Record<string, (data: unknown) => void>, onOpen?: () => void): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const latest = useRef(handlers);
  latest.current = handlers;
  const opened = useRef(onOpen);
  opened.current = onOpen;
  useEffect(() => {
    if (!url) return;
    const source = new EventSource(url);
    source.onopen = () => {
      setStatus('live');
      opened.current?.();
    };
    source.onerror = () => setStatus('reconnecting');
    const names = Object.keys(latest.current);
    const listeners = names.map((name) => {
      const listener = (event: MessageEvent) => latest.current[name]?.(JSON.parse(event.data as string));
      source.addEventListener(name, listener);
      return listener;
    });
    return () => {
      names.forEach((name, i) => source.removeEventListener(name, listeners[i]!));
      source.close();
    };
  }, [url]);
  return status;
}

/** Re-renders every `ms` (elapsed times, ETAs). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

/** The route in the URL fragment: `#/sweeps/<id>` → ['sweeps', '<id>']. */
export function useHashRoute(): string[] {
  const parse = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const onChange = () => setRoute(parse());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
