// A step slider for media logged at several steps: keyboard-usable (arrow keys,
// Home/End) range input over the logged steps, showing the selected step.
export interface StepSliderProps {
  id: string;
  label: string;
  steps: readonly number[];
  value: number | null;
  onChange: (step: number) => void;
}

export default function StepSlider({ id, label, steps, value, onChange }: StepSliderProps) {
  if (steps.length < 2 || value === null) return null;
  const index = Math.max(0, steps.indexOf(value));
  return (
    <label className="step-slider" data-testid={`step-slider-${id}`} data-step={value}>
      <span className="step-label">step</span>
      <input
        type="range"
        min={0}
        max={steps.length - 1}
        step={1}
        value={index}
        aria-label={`${label}: step`}
        aria-valuetext={`step ${value}`}
        data-testid={`step-input-${id}`}
        onChange={(e) => onChange(steps[Number(e.target.value)])}
      />
      <output className="step-value" data-testid={`step-value-${id}`}>
        {value}
      </output>
    </label>
  );
}
