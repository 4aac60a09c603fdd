// A link to a run given as [entity, project, run_id]; the project is named when it
// is not the page's own.
import type { RunTriple } from "../../api/types";
import { runUrl } from "../../lib/route";
import Link from "../Link";

export default function RunRefLink({ run, from }: { run: RunTriple; from?: [string, string] }) {
  const [entity, project, runId] = run;
  const same = from && from[0] === entity && from[1] === project;
  return (
    <Link href={runUrl(entity, project, runId, "overview")} data-testid={`run-ref-${runId}`}>
      {same ? runId : `${entity}/${project}/${runId}`}
    </Link>
  );
}
