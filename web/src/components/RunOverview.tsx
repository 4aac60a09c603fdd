// A run's overview: state, times, host, tags, notes, then its config and summary.
import type { Run } from "../api/types";
import { formatDuration, formatNumber, formatTimestamp } from "../lib/format";
import { useColorOf } from "../hooks/useRunColors";
import KeyValueTable from "./KeyValueTable";

export default function RunOverview({ run }: { run: Run }) {
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
      <div className="kv-columns">
        <div>
          <h2>Config</h2>
          <KeyValueTable doc={run.config} testid="run-config" empty="No config." />
        </div>
        <div>
          <h2>Summary</h2>
          <KeyValueTable doc={run.summary} testid="run-summary" empty="No summary." />
        </div>
      </div>
    </section>
  );
}
