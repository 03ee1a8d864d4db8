import { useId } from 'react';

/**
 * One choice of a few, side by side (looks like Mantine's SegmentedControl): native radio
 * buttons, so the keyboard works as in any radio group (Tab to the chosen one, arrows to move).
 * Mantine's control measures its labels when it mounts (a forced style and layout of the whole
 * page inside its first render, the longest task of the intake screen on a phone, and a second
 * render from its label refs); this one is plain CSS (karavan.css, `.choice-group`).
 */
export function ChoiceGroup<V extends string>({
  value,
  onChange,
  data,
  labelledBy,
  testId,
}: {
  value: V;
  onChange(value: V): void;
  data: { value: V; label: string }[];
  labelledBy: string;
  testId?: string;
}) {
  const name = useId();
  return (
    <div role="radiogroup" aria-labelledby={labelledBy} className="choice-group" data-testid={testId}>
      {data.map((choice) => (
        <label key={choice.value} className="choice" data-active={choice.value === value || undefined}>
          <input
            type="radio"
            className="choice-input"
            name={name}
            value={choice.value}
            checked={choice.value === value}
            onChange={() => onChange(choice.value)}
          />
          <span>{choice.label}</span>
        </label>
      ))}
    </div>
  );
}
