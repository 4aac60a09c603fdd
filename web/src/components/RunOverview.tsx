// A run's overview: state, times, host, tags, notes; its environment (command,
// git, Python, OS, GPUs: lib/runMetadata); then its config and summary.
import type { JsonObject, Run } from "../api/types";
import { formatDuration, formatNumber, formatTimestamp } from "../lib/format";
import { environmentFacts, otherMetadata } from "../lib/runMetadata";
import { useColorOf } from "../hooks/useRunColors";
import CopyButton from "./CopyButton";
import KeyValueTable from "./KeyValueTable";
import SummaryValue, { isRichSummary } from "./SummaryValue";

export default function RunOverview({ run, entity, project }: { run: Run; entity: string; project: string }) {
  const colorOf = useColorOf();
  const facts: [string, React.ReactNode][] = [
    ["State", <span className={`state state-${run.state}`}>{run.state}</span>],
    ["ID", <code>{run.id}</code>],
    ["Created", formatTimestamp(run.created_at)],
    ["Duration", run.runtime === null ? "" : formatDuration(run.runtime)],
    ["Last step", run.last_step === null ? "" : formatNumber(run.last_step)],
    ["Host", run.host ?? ""],
    ["Group", run.group ?? ""],
    ["Job type", run.job_type ?? ""],
    [
      "Tags",
      run.tags.length ? (
        <span>
          {run.tags.map((t) => (
            <span key={t} className="tag">
              {t}
            </span>
          ))}
        </span>
      ) : (
        ""
      ),
    ],
    ["Notes", run.notes ?? ""],
  ];
  return (
    <section className="run-overview" data-testid="run-overview">
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label} className="fact" data-testid={`run-fact-${label.toLowerCase().replace(" ", "-")}`}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
        <div className="fact">
          <dt>Colour</dt>
          <dd>
            <span className="swatch" style={{ background: colorOf(run) }} />
          </dd>
        </div>
      </dl>
      <RunEnvironment metadata={run.metadata ?? null} />
      <div className="kv-columns">
        <div>
          <h2>Config</h2>
          <KeyValueTable doc={run.config} testid="run-config" empty="No config." />
        </div>
        <div>
          <h2>Summary</h2>
          <KeyValueTable
            doc={run.summary}
            testid="run-summary"
            empty="No summary."
            renderValue={(key, value) =>
              isRichSummary(value) ? (
                <SummaryValue value={value} label={key} entity={entity} project={project} runId={run.id} />
              ) : null
            }
          />
        </div>
      </div>
    </section>
  );
}

function RunEnvironment({ metadata }: { metadata: JsonObject | null }) {
  if (!metadata || Object.keys(metadata).length === 0) {
    return (
      <section className="run-environment" data-testid="run-environment">
        <h2>Environment</h2>
        <p className="muted">No environment recorded for this run.</p>
      </section>
    );
  }
  const facts = environmentFacts(metadata);
  const other = otherMetadata(metadata);
  return (
    <section className="run-environment" data-testid="run-environment">
      <h2>Environment</h2>
      <table className="kv env">
        <tbody>
          {facts.map((fact) => (
            <tr key={fact.id} data-testid={`run-env-${fact.id}`}>
              <th>{fact.label}</th>
              <td>
                {fact.href ? (
                  <a href={fact.href} target="_blank" rel="noopener noreferrer">
                    {fact.copy ? <code>{fact.value}</code> : fact.value}
                  </a>
                ) : fact.copy ? (
                  <code className="command">{fact.value}</code>
                ) : (
                  fact.value
                )}
                {fact.copy && <CopyButton text={fact.value} testid={`copy-${fact.id}`} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {Object.keys(other).length > 0 && (
        <details className="env-other">
          <summary>Other metadata</summary>
          <KeyValueTable doc={other} testid="run-metadata" empty="" />
        </details>
      )}
    </section>
  );
}
