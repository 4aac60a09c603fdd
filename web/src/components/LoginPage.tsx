// The team server's login form: username and password → a session cookie (set by
// the server, HttpOnly) and a CSRF token the API client keeps for writes.
import { useState } from "react";
import { ApiError, login, type Me } from "../api/client";

export default function LoginPage({ onLogin }: { onLogin: (me: Me) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onLogin(await login(username, password));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? "Wrong username or password." : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page login-page">
      <form className="login-form" onSubmit={(event) => void submit(event)} aria-label="Log in">
        <h1>Log in to Runyard</h1>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            required
            autoFocus
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            required
          />
        </label>
        {error && (
          <p className="login-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </div>
  );
}
