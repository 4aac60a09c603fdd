// A custom chart (`_wandb.visualize`): its preset's spec with the chart's fields
// and strings filled in, drawn with vega-embed over the chart's table of every
// shown run (rows tagged with the run's name, id and colour). "Edit" opens the
// editor; a preset saved there replaces the chart's for this panel.
import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { ApiError, fetchTable, getPreset, listPresets } from "../../api/client";
import type { CustomChart, PresetWithSpec, Run } from "../../api/types";
import { useInView } from "../../hooks/useInView";
import { useColorOf } from "../../hooks/useRunColors";
import { runDisplayName } from "../../lib/columns";
import { valueAtStep } from "../../lib/mediaSteps";
import { CHART_TABLE_LIMIT } from "../../lib/tableQuery";
import { type Row, type RunTag, applyRunColors, fillSpec, runTags, starterSpec, tableRows } from "../../lib/vegaSpec";
import type { ChartSetting } from "../../lib/workspaceSettings";
import { downloadJson, download, exportPng } from "../PanelTools";
import { exportName, tableCsv } from "../../lib/panelExport";
import ChartEditor from "./ChartEditor";
import PanelFrame from "./PanelFrame";
import { usePanelChrome } from "./panelChrome";
import StepSlider from "./StepSlider";
import VegaView from "./VegaView";
import { runsSignature, useMedia, useStep } from "./useMedia";

export interface ChartPanelProps {
  entity: string;
  project: string;
  chart: CustomChart;
  runs: Run[];
  /** another preset and mapping for this chart (saved in the workspace settings) */
  override: ChartSetting | null;
  onOverride: (key: string, override: ChartSetting | null) => void;
}

export type ChartOverride = ChartSetting;

export default function ChartPanel({ entity, project, chart, runs: shownRuns, override, onOverride }: ChartPanelProps) {
  const body = useRef<HTMLDivElement>(null);
  const inView = useInView(body);
  const colorOf = useColorOf();
  const runs = useMemo(() => shownRuns.filter((r) => chart.runs.includes(r.id)), [shownRuns, chart.runs]);
  const [editing, setEditing] = useState(false);
  const presetId = override?.preset ?? chart.preset;
  const fields = override?.fields ?? chart.fields;
  const strings = override?.strings ?? chart.string_fields;

  const preset = useQuery({
    queryKey: ["preset", presetId],
    // a preset nobody saved is found missing in its entity's list (null), not by a 404
    // the browser would log on every load
    queryFn: async ({ signal }): Promise<PresetWithSpec | null> => {
      const { presets } = await listPresets(presetId.split("/")[0], signal);
      return presets.some((p) => p.id === presetId) ? getPreset(presetId, undefined, signal) : null;
    },
    enabled: inView,
    staleTime: 60_000,
    retry: (count, e) => !(e instanceof ApiError && e.status === 404) && count < 2,
  });
  // a chart naming a preset nobody saved (yet): the editor starts from a simple spec
  const missing = preset.data === null || (preset.error instanceof ApiError && preset.error.status === 404);
  const editable: PresetWithSpec | null = useMemo(() => {
    if (preset.data) return preset.data;
    if (!missing) return null;
    const [entityPart, ...rest] = presetId.split("/");
    return {
      id: presetId,
      entity: entityPart,
      name: rest.join("/"),
      version: 0,
      builtin: false,
      fields: Object.keys(fields),
      strings: Object.keys(strings),
      spec: starterSpec(Object.keys(fields)) as PresetWithSpec["spec"],
    };
  }, [preset.data, missing, presetId, fields, strings]);
  // the steps the chart's table was logged at, per run
  const media = useMedia(entity, project, runs, chart.table_key, inView);
  const chrome = usePanelChrome();
  const { steps, step, setStep } = useStep(media.data, chrome?.look.step);
  const tables = useQueries({
    queries: runs.map((run) => {
      const logged = media.data?.runs.find((m) => m.run === run.id)?.steps ?? [];
      const at = valueAtStep(logged, step)?.step ?? null;
      const params: Record<string, string> = { key: chart.table_key, offset: "0", limit: String(CHART_TABLE_LIMIT) };
      if (at !== null) params.step = String(at);
      return {
        queryKey: ["table", entity, project, run.id, params, runsSignature([run])],
        queryFn: ({ signal }: { signal: AbortSignal }) => fetchTable(entity, project, run.id, params, signal),
        // without the media route's steps (or before they arrive) the latest table is read
        enabled: inView && (media.data !== undefined || media.isError),
        staleTime: Infinity,
      };
    }),
  });
  const tags = useMemo<RunTag[]>(
    () => runTags(runs.map((run) => ({ id: run.id, name: runDisplayName(run), color: colorOf(run) }))),
    [runs, colorOf],
  );
  const tableData = tables.map((t) => t.data);
  const tableSig = tables.map((t) => t.dataUpdatedAt).join(",");
  const columns = useMemo(() => {
    const all: string[] = [];
    for (const t of tableData) for (const c of t?.columns ?? []) if (!all.includes(c)) all.push(c);
    return all;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- tableSig covers tableData
  }, [tableSig]);
  const rows = useMemo<Row[]>(
    () => tableData.flatMap((t, i) => (t && tags[i] ? tableRows(t.columns, t.rows, tags[i]) : [])),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- tableSig covers tableData
    [tableSig, tags],
  );
  const drawnTags = useMemo(() => tags.filter((_, i) => tableData[i] !== undefined), [tags, tableSig]); // eslint-disable-line react-hooks/exhaustive-deps
  const spec = useMemo(
    () => (preset.data ? applyRunColors(fillSpec(preset.data.spec, fields, strings), drawnTags) : null),
    [preset.data, fields, strings, drawnTags],
  );
  const loadingTables = tables.some((t) => t.isPending && t.fetchStatus !== "idle") || media.isPending;
  const tableError = tables.find((t) => t.error)?.error;
  const error = preset.error ?? tableError;
  const title = chrome?.look.title ?? (strings.title ? `${strings.title}` : chart.key);
  const exports = [
    { id: "png", label: "Export PNG", run: () => exportPng(chrome?.id ?? chart.key, title) },
    {
      id: "csv",
      label: "Export CSV",
      run: () => {
        const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
        download(new Blob([tableCsv(cols, rows.map((r) => cols.map((c) => r[c] ?? null)))], { type: "text/csv" }), exportName(title, "csv"));
      },
    },
    { id: "json", label: "Export JSON", run: () => downloadJson(rows, title) },
  ];

  return (
    <PanelFrame
      panelKey={chart.key}
      kind="custom chart"
      title={strings.title ? `${strings.title}` : chart.key}
      bodyRef={body}
      extra={{ "data-preset": presetId, "data-step": step ?? undefined }}
      exports={exports}
      actions={
        <>
          {override && (
            <button
              type="button"
              className="panel-action"
              data-testid={`chart-reset-${chart.key}`}
              title={`draw with the logged preset ${chart.preset} again`}
              onClick={() => onOverride(chart.key, null)}
            >
              Reset
            </button>
          )}
          <button
            type="button"
            className="panel-action"
            data-testid={`chart-edit-${chart.key}`}
            aria-haspopup="dialog"
            onClick={() => setEditing(true)}
            disabled={!editable}
          >
            Edit
          </button>
        </>
      }
    >
      <StepSlider id={chart.key} label={chart.key} steps={steps} value={step} onChange={setStep} />
      {missing ? (
        <div className="error-note" role="alert" data-testid={`chart-missing-${chart.key}`}>
          No preset <code>{presetId}</code> is saved. Use Edit to write one.
        </div>
      ) : error ? (
        <div className="error-note" role="alert">
          {String(error)}
        </div>
      ) : runs.length === 0 ? (
        <div className="panel-empty" style={{ height: 120 }} data-testid={`chart-no-runs-${chart.key}`}>
          None of the shown runs logged this chart
        </div>
      ) : spec && !loadingTables ? (
        <VegaView
          spec={spec}
          rows={rows}
          publishAs={{ key: chart.key, preset: presetId, runs: drawnTags.map((t) => t.run) }}
          testid={`vega-${chart.key}`}
        />
      ) : (
        <div className="panel-empty" style={{ height: 220 }}>
          Loading…
        </div>
      )}
      <div className="panel-notes">
        <span title="the preset drawing this chart">{presetId}</span>
      </div>
      {editing && editable && (
        <ChartEditor
          entity={entity}
          chartKey={chart.key}
          preset={editable}
          fields={fields}
          strings={strings}
          columns={columns}
          rows={rows}
          runs={drawnTags}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            onOverride(chart.key, saved);
            setEditing(false);
          }}
        />
      )}
    </PanelFrame>
  );
}
