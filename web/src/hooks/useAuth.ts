// Whether the app must show the login page: asks /auth/me once, and switches to
// the login page whenever any API request answers 401. After a login every query
// is fetched again.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useState } from "react";
import { ApiError, getMe, logout, onUnauthorized, type Me } from "../api/client";

export type AuthState = { status: "unknown" | "login" } | { status: "in"; me: Me };

export function useAuth() {
  const queryClient = useQueryClient();
  const [state, setState] = useState<AuthState>({ status: "unknown" });

  useEffect(() => {
    const stop = onUnauthorized(() => setState({ status: "login" }));
    getMe().then(
      (me) => setState(me.auth && !me.user ? { status: "login" } : { status: "in", me }),
      (err) => setState(err instanceof ApiError && err.status === 401 ? { status: "login" } : { status: "unknown" }),
    );
    return () => {
      stop();
    };
  }, []);

  const loggedIn = useCallback(
    (me: Me) => {
      setState({ status: "in", me });
      void queryClient.invalidateQueries();
    },
    [queryClient],
  );

  const loggedOut = useCallback(async () => {
    await logout();
    queryClient.clear();
    setState({ status: "login" });
  }, [queryClient]);

  return { state, loggedIn, loggedOut };
}
