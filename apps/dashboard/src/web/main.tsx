/** The dashboard: a single-page app over the coordinator's REST API and events; pages live in the URL fragment. */
import { render } from 'preact';
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

function App() {
  const route = useHashRoute();
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">dgm-ood</a>
        <nav>
          <a href="#/">Sweeps</a>
          <a href="/docs" target="_blank" rel="noreferrer">API</a>
          <a href="/queues" target="_blank" rel="noreferrer">Queues</a>
        </nav>
      </header>
      <main key={route.join('/')}>
        <Page route={route} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
