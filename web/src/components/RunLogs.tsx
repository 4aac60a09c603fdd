// The Logs tab: a run's console output, virtualised (TanStack Virtual) so 100k+
// lines scroll smoothly, with ANSI colours (lib/ansi), line numbers, stderr
// marked, a server-side search, and a live tail of a running run that keeps the
// view at the bottom only while the user is there. Loaded as its own chunk.
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { runFileUrl } from "../api/client";
import type { LogLine, Run } from "../api/types";
import { type LogSearch, useRunLogs } from "../hooks/useRunLogs";
import { highlightSpans, matchRanges, parseAnsi, spanCss } from "../lib/ansi";
import { LOG_CAP, formatLineTime, isAtBottom } from "../lib/consoleLog";
import { formatNumber } from "../lib/format";

const ROW = 18;
const SEARCH_DELAY_MS = 300;

export default function RunLogs({ entity, project, run }: { entity: string; project: string; run: Run }) {
  const live = run.state === "running";
  const [input, setInput] = useState("");
  const [regex, setRegex] = useState(false);
  const [search, setSearch] = useState<LogSearch>({ q: "", regex: false });
  useEffect(() => {
    const timer = setTimeout(() => setSearch({ q: input, regex }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [input, regex]);
  const logs = useRunLogs(entity, project, run.id, search, live);

  const scroller = useRef<HTMLDivElement>(null);
  // follow the end while the user is at it; a running run opens there
  const follow = useRef(live);
  const [following, setFollowing] = useState(live);
  const virtualizer = useVirtualizer({
    count: logs.lines.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 30,
  });
  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    follow.current = isAtBottom(el.scrollTop, el.clientHeight, el.scrollHeight);
    setFollowing(follow.current);
  };
  useLayoutEffect(() => {
    if (follow.current && logs.lines.length > 0) virtualizer.scrollToIndex(logs.lines.length - 1, { align: "end" });
  }, [logs.lines, virtualizer]);
  // a new search starts at the top of its results
  useEffect(() => {
    follow.current = live && !search.q;
    setFollowing(follow.current);
    scroller.current?.scrollTo({ top: 0 });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search.q, search.regex]);

  const toBottom = () => {
    follow.current = true;
    setFollowing(true);
    if (logs.lines.length) virtualizer.scrollToIndex(logs.lines.length - 1, { align: "end" });
  };

  const searching = search.q !== "";
  const count = searching
    ? `${formatNumber(logs.matched ?? logs.lines.length)} of ${formatNumber(logs.total)} lines match`
    : `${formatNumber(logs.total)} lines`;
  return (
    <section className="run-logs" data-testid="run-logs">
      <div className="logs-toolbar">
        <input
          type="search"
          placeholder="Search the output…"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          data-testid="logs-search"
          aria-label="Search the console output"
        />
        <label className="logs-regex" title="search with a regular expression">
          <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} data-testid="logs-regex" />
          regex
        </label>
        <span
          className="muted logs-count"
          data-testid="logs-count"
          data-total={logs.total}
          data-matched={logs.matched ?? ""}
          data-held={logs.lines.length}
          data-loading={logs.loading}
          data-query={search.q}
        >
          {logs.loading && logs.lines.length === 0 ? "Loading…" : count}
          {live && <span className="live-dot" title="live: new lines appear as they are printed" />}
        </span>
        {!following && live && !searching && (
          <button type="button" onClick={toBottom} data-testid="logs-follow">
            ↓ Follow
          </button>
        )}
        {logs.total > 0 && (
          <a className="logs-download" href={runFileUrl(entity, project, run.id, "output.log")} download="output.log" data-testid="logs-download">
            Download output.log
          </a>
        )}
      </div>
      {logs.error && (
        <p className="error" data-testid="logs-error">
          {logs.error}
        </p>
      )}
      {logs.capped && (
        <p className="muted" data-testid="logs-capped">
          Showing the first {formatNumber(LOG_CAP)} lines; download output.log for all of them.
        </p>
      )}
      <div className="logs-view" ref={scroller} onScroll={onScroll} data-testid="logs-view" data-following={following}>
        {logs.lines.length === 0 && !logs.loading ? (
          <div className="logs-empty" data-testid="logs-empty">
            {searching ? "No line matches." : "No console output recorded for this run."}
          </div>
        ) : (
          <div className="logs-rows" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => (
              <LogRow key={logs.lines[item.index].line} line={logs.lines[item.index]} top={item.start} query={search.q} regex={search.regex} />
            ))}
          </div>
        )}
      </div>
    </section>
  );
}

const LogRow = memo(function LogRow({ line, top, query, regex }: { line: LogLine; top: number; query: string; regex: boolean }) {
  const spans = useMemo(() => {
    const parsed = parseAnsi(line.text);
    return query ? highlightSpans(parsed, matchRanges(parsed.map((s) => s.text).join(""), query, regex)) : parsed;
  }, [line.text, query, regex]);
  return (
    <div
      className={`log-line ${line.stream}`}
      style={{ transform: `translateY(${top}px)` }}
      data-testid="log-line"
      data-line={line.line}
      data-stream={line.stream}
      title={`${formatLineTime(line.ts)} · ${line.stream}`}
    >
      <span className="log-lineno">{line.line + 1}</span>
      <span className="log-text">
        {spans.map((span, i) =>
          span.mark ? (
            <mark key={i} style={spanCss(span.style)}>
              {span.text}
            </mark>
          ) : (
            <span key={i} style={spanCss(span.style)}>
              {span.text}
            </span>
          ),
        )}
      </span>
    </div>
  );
});
