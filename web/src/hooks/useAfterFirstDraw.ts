// Parts of the workspace that the first chart does not need (the runs table, the URL's
// view parameters) wait for it: on two cores their render, layout and script compile
// would run while the first panel's request is answered and drawn (lib/firstDraw).
import { useEffect, useState } from "react";
import { FIRST_DRAW_MAX_MS, afterFirstDraw, firstDrawDone } from "../lib/firstDraw";

/** False until the page's first chart drew points (or FIRST_DRAW_MAX_MS passed). */
export function useAfterFirstDraw(maxMs: number = FIRST_DRAW_MAX_MS): boolean {
  const [done, setDone] = useState(firstDrawDone);
  useEffect(() => {
    if (done) return;
    let alive = true;
    void afterFirstDraw(maxMs).then(() => {
      if (alive) setDone(true);
    });
    return () => {
      alive = false;
    };
  }, [done, maxMs]);
  return done;
}
