/** The sign-in form, shown when the coordinator requires an API token (it answered 401). */
import { useState } from 'preact/hooks';
import { signIn } from '../api.js';
import { ErrorBox } from './common.js';

export function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<Error | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(token.trim());
      // A fresh load: every page's data and its event stream, now with the session cookie.
      window.location.reload();
    } catch (e) {
      setError(e as Error);
      setBusy(false);
    }
  };
  return (
    <section class="card sign-in">
      <header class="card-header">
        <h2>Sign in</h2>
      </header>
      <form onSubmit={submit} data-sign-in>
        <p class="muted">This coordinator requires an API token (DGM_OOD_API_TOKEN). It is sent once; the browser keeps a session cookie.</p>
        <label>
          API token{' '}
          <input type="password" name="token" autocomplete="current-password" required value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} />
        </label>{' '}
        <button type="submit" disabled={busy || token.trim() === ''}>Sign in</button>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}
