/** The dashboard's style sheet, served as /dashboard.css (no inline style under the CSP). */
export const DASHBOARD_STYLE = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; }
  header .spacer { flex: 1; }
  header button { background: transparent; color: #fff; border: 1px solid #7a8194; }
  main, #app { display: grid; gap: 1em; } main { padding: 1em; }
  [hidden] { display: none !important; }
  #notice:empty { display: none; }
  section { background: #fff; border: 1px solid #dde0e6; border-radius: 6px; padding: .6em 1em 1em; }
  h2 { font-size: 1em; margin: .3em 0 .6em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .25em .6em .25em 0; border-bottom: 1px solid #eceef2; vertical-align: top; }
  th { font-weight: 600; color: #5a6275; white-space: nowrap; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .ok { color: #17803d; } .bad { color: #c0262d; } .warn { color: #a15c00; } .muted { color: #7a8194; }
  .pill { display: inline-block; padding: 0 .5em; border-radius: 1em; font-size: .9em; background: #eceef2; }
  .pill.ok { background: #dcf5e3; } .pill.bad { background: #fbe1e2; } .pill.warn { background: #fdf0d9; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16em, 1fr)); gap: .4em 1.5em; }
  .grid div span:first-child { color: #5a6275; margin-right: .4em; }
  .error { color: #c0262d; margin: .3em 0; }
  button { font: inherit; padding: .1em .7em; border-radius: 4px; border: 1px solid #b9bfcc; background: #fff; cursor: pointer; }
  button:hover { background: #eceef2; }
  #login { max-width: 30em; }
  #login input { font: inherit; width: 100%; padding: .3em; margin: .4em 0; box-sizing: border-box; }
  code, .mono { font-family: ui-monospace, monospace; font-size: .92em; }
  .mono { overflow-wrap: anywhere; } td { overflow-wrap: break-word; }
  .pill, button { white-space: nowrap; }
  #search-form { display: flex; gap: .4em; }
  #search-form input { font: inherit; padding: .1em .4em; min-width: 0; width: 14em; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 36em), 1fr)); gap: .8em; }
  .card h3 { font-size: .95em; margin: .2em 0; }
  .charts { display: flex; flex-wrap: wrap; gap: .4em 1em; }
  figure { margin: 0; } figcaption { font-size: .85em; color: #5a6275; }
  svg.chart { display: block; max-width: 100%; height: auto; background: #f5f6f8; }
  svg.chart .axis { stroke: #dde0e6; }
  svg.chart.good rect { fill: #17803d; } svg.chart.bad rect { fill: #c0262d; } svg.chart.lat rect { fill: #3b5bdb; }
  pre.payload { background: #f5f6f8; border: 1px solid #dde0e6; padding: .6em; overflow: auto; max-height: 30em; white-space: pre-wrap; overflow-wrap: anywhere; }
  dl.fields { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 18em), 1fr)); gap: .2em 1.5em; margin: 0; }
  dl.fields dt { color: #5a6275; } dl.fields dd { margin: 0 0 .3em; overflow-wrap: anywhere; }
  ol.timeline { padding-left: 1.2em; } ol.timeline ul { padding-left: 1.2em; }
  /* Narrow screens: each table row becomes a small card of label: value lines. */
  @media (max-width: 760px) {
    header { flex-wrap: wrap; } main { padding: .5em; } section { padding: .5em; }
    table, thead, tbody, tr, th, td { display: block; }
    thead { display: none; }
    tr { border-bottom: 1px solid #dde0e6; padding: .4em 0; }
    td { border: 0; padding: .1em 0; display: flex; gap: .6em; justify-content: space-between; text-align: right; }
    td.num { text-align: right; }
    td::before { content: attr(data-label); color: #5a6275; text-align: left; flex: none; }
    td > :first-child { text-align: right; }
  }
`;
