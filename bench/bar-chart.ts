// A horizontal bar chart as a standalone SVG: one bar per row, its value written beside it,
// and a dashed line at 1.0 (the baseline). No dependencies, readable as text.

/** One bar. */
export interface Bar {
  readonly label: string
  readonly value: number
  /** Extra text after the value, e.g. "1234 req/s". */
  readonly note: string
  readonly color: string
}

/** What to draw. */
export interface BarChart {
  readonly title: string
  readonly subtitle: string
  readonly bars: readonly Bar[]
}

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
}

const WIDTH = 960
const LABEL_WIDTH = 250
const BAR_AREA = 420
const ROW = 30
const TOP = 70

/** Renders the chart; the scale goes to the larger of the biggest value and 1. */
export function renderBarChart(chart: BarChart): string {
  const max = Math.max(1, ...chart.bars.map((b) => b.value))
  const x = (v: number) => LABEL_WIDTH + (v / max) * BAR_AREA
  const height = TOP + chart.bars.length * ROW + 30
  const rows = chart.bars.map((bar, i) => {
    const y = TOP + i * ROW
    return [
      `<text x="${LABEL_WIDTH - 10}" y="${y + 19}" text-anchor="end">${escapeXml(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 5}" width="${(x(bar.value) - LABEL_WIDTH).toFixed(1)}" height="${ROW - 10}" fill="${bar.color}" rx="3"/>`,
      `<text x="${LABEL_WIDTH + BAR_AREA + 12}" y="${y + 19}">${bar.value.toFixed(2)}× <tspan fill="#5b6475">${escapeXml(bar.note)}</tspan></text>`,
    ].join('\n  ')
  })
  const one = x(1).toFixed(1)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="13" fill="#1d2330">
  <rect width="100%" height="100%" fill="#ffffff"/>
  <text x="20" y="28" font-size="16" font-weight="700">${escapeXml(chart.title)}</text>
  <text x="20" y="50" fill="#5b6475">${escapeXml(chart.subtitle)}</text>
  ${rows.join('\n  ')}
  <line x1="${one}" y1="${TOP}" x2="${one}" y2="${height - 25}" stroke="#1d2330" stroke-dasharray="4 3"/>
  <text x="${one}" y="${height - 10}" text-anchor="middle" fill="#5b6475">1.0 = bare Express</text>
</svg>
`
}
