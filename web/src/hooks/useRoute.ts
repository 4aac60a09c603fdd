// The current page from the URL, kept in sync with the History API.
import { useCallback, useEffect, useState } from "react";
import { type Route, parseRoute } from "../lib/route";

const NAVIGATE = "runyard:navigate";

export function navigate(url: string): void {
  if (url === window.location.pathname + window.location.search) return;
  window.history.pushState(null, "", url);
  window.dispatchEvent(new Event(NAVIGATE));
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const read = useCallback(() => parseRoute(window.location.pathname), []);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const update = () => setRoute(read());
    window.addEventListener("popstate", update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, [read]);
  return route;
}
