/** The dashboard: a single-page app over the coordinator's REST API and events; pages live in the URL fragment. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { sessionState, signOut, UNAUTHORIZED_EVENT, type SessionState } from './api.js';
import { SignIn } from './components/sign-in.js';
import { useHashRoute } from './hooks.js';
import { EvaluationPage } from './pages/evaluation-page.js';
import { JobPage } from './pages/job-page.js';
import { SweepPage } from './pages/sweep-page.js';
import { SweepsList } from './pages/sweeps-list.js';

function Page({ route }: { route: string[] }) {
  const [section, id, sub] = route;
  if (section === 'sweeps' && id && sub === 'evaluation') return <EvaluationPage id={id} />;
  if (section === 'sweeps' && id) return <SweepPage id={id} />;
  if (section === 'jobs' && id) return <JobPage id={id} />;
  return <SweepsList />;
}

/** Whether to show the sign-in form (the coordinator answered 401) and whether this browser holds a session. */
function useSession(): { session: SessionState | undefined; needsSignIn: boolean } {
  const [session, setSession] = useState<SessionState | undefined>();
  const [unauthorized, setUnauthorized] = useState(false);
  useEffect(() => {
    const onUnauthorized = () => setUnauthorized(true);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    sessionState().then(setSession, () => undefined);
    return () => window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
  }, []);
  return { session, needsSignIn: unauthorized || (session !== undefined && session.auth && !session.signedIn) };
}

function App() {
  const route = useHashRoute();
  const { session, needsSignIn } = useSession();
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">dgm-ood</a>
        <nav>
          <a href="#/">Sweeps</a>
          <a href="/docs" target="_blank" rel="noreferrer">API</a>
          <a href="/queues" target="_blank" rel="noreferrer">Queues</a>
          {session?.signedIn && !needsSignIn ? (
            <a href="#" data-sign-out title={`signed in with token ${session.token ?? ''}`} onClick={(e) => { e.preventDefault(); void signOut().then(() => window.location.reload()); }}>
              Sign out
            </a>
          ) : null}
        </nav>
      </header>
      <main key={needsSignIn ? 'sign-in' : route.join('/')}>{needsSignIn ? <SignIn /> : <Page route={route} />}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
