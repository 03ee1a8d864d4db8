/** @jest-environment jsdom */
import { afterEach, describe, expect, test } from '@jest/globals';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { ChoiceGroup } from './ChoiceGroup';

afterEach(cleanup);

type Kind = 'anonymous' | 'person' | 'organisation';

function Donor() {
  const [kind, setKind] = useState<Kind>('anonymous');
  return (
    <>
      <span id="donor-label">Даритель</span>
      <ChoiceGroup<Kind>
        labelledBy="donor-label"
        value={kind}
        onChange={setKind}
        data={[
          { value: 'anonymous', label: 'Аноним' },
          { value: 'person', label: 'Человек' },
          { value: 'organisation', label: 'Организация' },
        ]}
        testId="donor"
      />
      <output data-testid="kind">{kind}</output>
    </>
  );
}

describe('a choice of a few (the donor kind)', () => {
  test('When a choice is tapped, then it is the one checked and raised, the others not', () => {
    render(<Donor />);
    const group = screen.getByRole('radiogroup', { name: 'Даритель' });
    expect(group.getAttribute('data-testid')).toBe('donor');
    const radios = screen.getAllByRole('radio') as HTMLInputElement[];
    expect(radios.map((radio) => radio.checked)).toEqual([true, false, false]);
    // One group: the radios share a name, so the keyboard moves between them as in any radio group.
    expect(new Set(radios.map((radio) => radio.name)).size).toBe(1);

    fireEvent.click(screen.getByLabelText('Организация'));
    expect(screen.getByTestId('kind').textContent).toBe('organisation');
    expect(radios.map((radio) => radio.checked)).toEqual([false, false, true]);
    expect(screen.getByText('Организация').closest('label')?.hasAttribute('data-active')).toBe(true);
    expect(screen.getByText('Аноним').closest('label')?.hasAttribute('data-active')).toBe(false);
  });
});
