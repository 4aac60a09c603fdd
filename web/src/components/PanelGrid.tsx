// Every numeric metric's line panel, in collapsible sections by key prefix.
import { useMemo } from "react";
import type { MetricKey, Run } from "../api/types";
import { groupKeys } from "../lib/keySections";
import { type PanelSettings, type WorkspaceSettings, toggle } from "../lib/workspaceSettings";
import { BUILTIN_X_AXES, resolveXAxis } from "../lib/xAxis";
import LinePanel, { type XAxisOption } from "./LinePanel";

export interface PanelGridProps {
  keys: MetricKey[];
  runs: Run[];
  settings: WorkspaceSettings;
  update: (change: (settings: WorkspaceSettings) => WorkspaceSettings) => void;
}

/** The x-axes to offer: the built-in ones, then every numeric metric. */
export function xAxisOptions(keys: readonly MetricKey[]): XAxisOption[] {
  return [
    ...BUILTIN_X_AXES,
    ...keys.filter((k) => k.numeric).map((k) => ({ value: k.key, label: k.key })),
  ];
}

export default function PanelGrid({ keys, runs, settings, update }: PanelGridProps) {
  const sections = useMemo(() => groupKeys(keys), [keys]);
  const xOptions = useMemo(() => xAxisOptions(keys), [keys]);
  const onPanelChange = (key: string, panel: PanelSettings) =>
    update((s) => {
      const panels = { ...s.panels };
      if (panel.x === undefined && panel.logY === undefined && panel.smoothing === undefined) delete panels[key];
      else panels[key] = panel;
      return { ...s, panels };
    });

  if (sections.length === 0) {
    return (
      <div className="empty" data-testid="no-panels">
        No numeric metrics logged yet.
      </div>
    );
  }
  return (
    <div className="panel-grid" data-testid="panel-grid">
      {sections.map((section) => {
        const collapsed = settings.collapsedSections.includes(section.name);
        return (
          <section key={section.name} className="panel-section" data-testid={`section-${section.name}`}>
            <button
              type="button"
              className="section-head"
              data-testid={`section-toggle-${section.name}`}
              aria-expanded={!collapsed}
              onClick={() => update((s) => ({ ...s, collapsedSections: toggle(s.collapsedSections, section.name) }))}
            >
              <span className="chevron">{collapsed ? "▸" : "▾"}</span>
              {section.name}
              <span className="count">{section.keys.length}</span>
            </button>
            {!collapsed && (
              <div className="panels">
                {section.keys.map((metric) => {
                  const panel = settings.panels[metric.key] ?? {};
                  return (
                    <LinePanel
                      key={metric.key}
                      metric={metric}
                      runs={runs}
                      x={resolveXAxis(panel.x, settings.xAxis, metric)}
                      xOptions={xOptions}
                      panel={panel}
                      smoothing={panel.smoothing ?? settings.smoothing}
                      logY={panel.logY ?? settings.logY}
                      onPanelChange={onPanelChange}
                    />
                  );
                })}
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
