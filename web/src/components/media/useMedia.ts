// Data of media panels: every logged step of a key for the shown runs (refetched
// when a run logs further steps), and the slider's selected step.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useState } from "react";
import { fetchMedia } from "../../api/client";
import type { Run } from "../../api/types";
import { selectStep, unionSteps } from "../../lib/mediaSteps";

export function runsSignature(runs: readonly Run[]): string {
  return runs.map((r) => `${r.id}:${r.last_step ?? ""}:${r.state}`).join(",");
}

export function useMedia(entity: string, project: string, runs: readonly Run[], key: string, enabled: boolean) {
  const ids = runs.map((r) => r.id);
  return useQuery({
    queryKey: ["media", entity, project, key, runsSignature(runs)],
    queryFn: ({ signal }) => fetchMedia(entity, project, ids, key, signal),
    enabled: enabled && ids.length > 0,
    placeholderData: keepPreviousData,
  });
}

/** The union of logged steps and the selected one: the one the user picked on the slider,
 * else the panel's saved step (`pinned`, when logged), else the last. */
export function useStep(media: Parameters<typeof unionSteps>[0], pinned?: number | null) {
  const steps = useMemo(() => unionSteps(media), [media]);
  const [chosen, setChosen] = useState<number | null>(null);
  // a step saved in the panel's settings wins over the slider's last pick
  useEffect(() => setChosen(null), [pinned]);
  return { steps, step: selectStep(steps, chosen ?? pinned ?? null), setStep: setChosen };
}
