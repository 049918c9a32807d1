// How the SQL stores keep `SessionRecord.maxAgeSeconds` in one nullable integer column, so that
// rows written before the column existed read back as records without the field: NULL is
// absent (the manager's defaults), 0 is null (a browser-session cookie), n > 0 is n seconds.
import type { SessionRecord } from './store.js'

/** The column value for a record's `maxAgeSeconds`. */
export function lifetimeColumn(record: SessionRecord): number | null {
  const chosen = record.maxAgeSeconds
  return chosen === undefined ? null : chosen === null ? 0 : chosen
}

/** The record property a column value stands for: none for NULL (spread it into the record). */
export function lifetimeField(
  value: number | string | bigint | null | undefined,
): Pick<SessionRecord, 'maxAgeSeconds'> {
  if (value === null || value === undefined) return {}
  const seconds = Number(value)
  return { maxAgeSeconds: seconds === 0 ? null : seconds }
}
