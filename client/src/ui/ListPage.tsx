import '@mantine/core/styles/Table.css';
import { isValidElement, type ReactNode } from 'react';
import { Group, Select, SimpleGrid, Stack, Table, Text, Title, type SimpleGridProps } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Page } from '@karavan/shared';
import { QueryState, type QueryLike } from './QueryState';

/**
 * A list screen: its title (with the main action beside it), the filters as a labelled section,
 * then the list.
 */
export function ListPage({
  title,
  testId,
  action,
  notice,
  filters,
  filterColumns = { base: 1, sm: 2, md: 4 },
  children,
}: {
  title: string;
  testId: string;
  action?: ReactNode;
  /** Shown under the title, above the filters (e.g. a password to hand over, shown once). */
  notice?: ReactNode;
  filters?: ReactNode;
  filterColumns?: SimpleGridProps['cols'];
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const heading = (
    <Title order={1} size="h2">
      {title}
    </Title>
  );
  return (
    <Stack gap="lg" data-testid={testId}>
      {action ? (
        <Group justify="space-between">
          {heading}
          {action}
        </Group>
      ) : (
        heading
      )}
      {notice}
      {filters && (
        <SimpleGrid cols={filterColumns} component="section" aria-label={t('wb.filters')}>
          {filters}
        </SimpleGrid>
      )}
      {children}
    </Stack>
  );
}

/** A column's heading: its label, or the label and how its cells align. */
export type Column = ReactNode | { label: ReactNode; align: 'right' };

function columnOf(column: Column): { label: ReactNode; align?: 'right' } {
  return typeof column === 'object' && column !== null && 'align' in column && !isValidElement(column)
    ? column
    : { label: column };
}

/**
 * A page of rows from the API as a table: loading and error states (with Retry), a sentence when
 * there is nothing, otherwise the table, scrolling sideways on a narrow screen.
 */
export function ListTable<T>({
  query,
  columns,
  minWidth,
  testId,
  empty,
  emptyTestId,
  children,
}: {
  query: QueryLike<Page<T>>;
  columns: Column[];
  minWidth: number;
  testId: string;
  empty: string;
  emptyTestId?: string;
  children(items: T[]): ReactNode;
}) {
  return (
    <QueryState query={query}>
      {(page) =>
        page.items.length === 0 ? (
          <Text c="dimmed" data-testid={emptyTestId}>
            {empty}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={minWidth}>
            <Table striped verticalSpacing="sm" data-testid={testId}>
              <Table.Thead>
                <Table.Tr>
                  {columns.map(columnOf).map((column, index) => (
                    <Table.Th key={index} ta={column.align}>
                      {column.label}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>{children(page.items)}</Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )
      }
    </QueryState>
  );
}

/** A filter picking one of a list, or all when cleared; `searchable` for long lists. */
export function ChoiceFilter({
  label,
  data,
  value,
  onChange,
  searchable = false,
}: {
  label: string;
  data: { value: string; label: string }[];
  value: string | null;
  onChange(value: string | null): void;
  searchable?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Select
      label={label}
      placeholder={t('wb.all')}
      clearable
      searchable={searchable}
      data={data}
      value={value}
      onChange={onChange}
    />
  );
}

/** A yes/no filter (available, active), or both when cleared. */
export function YesNoFilter({
  label,
  yes,
  no,
  value,
  onChange,
}: {
  label: string;
  yes: string;
  no: string;
  value: boolean | null;
  onChange(value: boolean | null): void;
}) {
  return (
    <ChoiceFilter
      label={label}
      data={[
        { value: 'true', label: yes },
        { value: 'false', label: no },
      ]}
      value={value === null ? null : String(value)}
      onChange={(chosen) => onChange(chosen === null ? null : chosen === 'true')}
    />
  );
}
