// The app shell: a top bar and the page for the URL. The workspace and run
// pages (uPlot, TanStack Table) load as separate chunks.
import { Suspense, lazy } from "react";
import Link from "./components/Link";
import LoginPage from "./components/LoginPage";
import ProjectsList from "./components/ProjectsList";
import { useAuth } from "./hooks/useAuth";
import { useRoute } from "./hooks/useRoute";
import { useTheme } from "./hooks/useTheme";

const ProjectWorkspace = lazy(() => import("./components/ProjectWorkspace"));
const RunPage = lazy(() => import("./components/RunPage"));
const ArtifactsPage = lazy(() => import("./components/artifacts/ArtifactsPage"));
const RegistryPage = lazy(() => import("./components/artifacts/RegistryPage"));

export default function App() {
  const route = useRoute();
  const auth = useAuth();
  const theme = useTheme();
  let page: React.ReactNode;
  switch (route.page) {
    case "projects":
      page = <ProjectsList />;
      break;
    case "workspace":
      page = <ProjectWorkspace key={`${route.entity}/${route.project}`} entity={route.entity} project={route.project} />;
      break;
    case "run":
      page = <RunPage key={route.runId} entity={route.entity} project={route.project} runId={route.runId} tab={route.tab} />;
      break;
    case "artifacts":
      page = (
        <ArtifactsPage
          key={`${route.entity}/${route.project}`}
          entity={route.entity}
          project={route.project}
          type={route.type}
          name={route.name}
          version={route.version}
          tab={route.tab}
        />
      );
      break;
    case "registry":
      page = <RegistryPage key={route.entity} entity={route.entity} collection={route.collection} />;
      break;
    default:
      page = (
        <div className="page">
          <h1>Not found</h1>
          <p>
            Nothing at <code>{route.path}</code>. <Link href="/">All projects</Link>
          </p>
        </div>
      );
  }
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand">
          Runyard
        </Link>
        {auth.state.status === "in" && auth.state.me.via === "session" && (
          <span className="topbar-user">
            {auth.state.me.user?.username}{" "}
            <button type="button" onClick={() => void auth.loggedOut()}>
              Log out
            </button>
          </span>
        )}
        <button
          type="button"
          className="theme-toggle"
          data-testid="theme-toggle"
          data-theme-shown={theme.theme}
          aria-label={theme.theme === "dark" ? "Switch to light mode" : "Switch to dark mode"}
          title={theme.choice === "system" ? "Following the system's theme" : `Theme: ${theme.choice}`}
          onClick={theme.toggle}
        >
          {theme.theme === "dark" ? "☀" : "☾"}
        </button>
      </header>
      {auth.state.status === "login" ? (
        <LoginPage onLogin={auth.loggedIn} />
      ) : (
        <Suspense fallback={<div className="page muted">Loading…</div>}>{page}</Suspense>
      )}
    </div>
  );
}
