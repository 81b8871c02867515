// Package report renders a run of the lab (a result.Report): Write stores
// results.json (every number, with the configuration of every experiment),
// results.csv (one line per measured quantity), findings.csv (one line per
// checked claim), the plots (PNG and SVG, drawn with gonum.org/v1/plot:
// learning curves, per-seed bars with intervals, heat maps of the matrix),
// report.html (self-contained, images embedded as data URIs) and lab.md;
// Markdown is the documentation page (docs/lab.md) and HTML the report
// page on their own.
package report
