/* report — one self-contained HTML file (or Markdown) for decision makers.
 *
 * No network, no external script, style or font: the charts are SVG that
 * spoor draws here, the style is inline, and a small inline script makes
 * tables sortable and filterable (everything reads fine with JavaScript
 * off).  The figures come from the same scope_result as `spoor scope
 * --format json`, so the two cannot disagree.  Each chart's <svg> carries
 * data-marks = the number of marks drawn, for tests. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/timeparse.h"
#include "case/scope.h"

#define MAX_DAYS   400 /* timeline bars; a longer case is bucketed by week */
#define MAX_SERIES 12  /* colours; more agencies fold into "other" */
#define MAX_NODES  40  /* per column of the entity graph */

static const char *const palette[MAX_SERIES] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
						"#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939"};

static int esc(buf *b, const char *s)
{
	int rc = 0;
	for (; s && *s && !rc; s++) {
		switch (*s) {
		case '<':
			rc = buf_adds(b, "&lt;");
			break;
		case '>':
			rc = buf_adds(b, "&gt;");
			break;
		case '&':
			rc = buf_adds(b, "&amp;");
			break;
		case '"':
			rc = buf_adds(b, "&quot;");
			break;
		case '\'':
			rc = buf_adds(b, "&#39;");
			break;
		default:
			rc = buf_addc(b, *s);
		}
	}
	return rc;
}

/* Markdown table cell: | and newlines would break the table */
static int mdesc(buf *b, const char *s)
{
	int rc = 0;
	for (; s && *s && !rc; s++)
		rc = *s == '|' ? buf_adds(b, "\\|") : *s == '\n' ? buf_addc(b, ' ') : buf_addc(b, *s);
	return rc;
}

static int tstr(buf *b, int64_t ns)
{
	if (!ns)
		return buf_adds(b, "-");
	char t[40];
	size_t n = time_format(ns, t);
	/* minutes are enough for people; scope --format json has the rest */
	return buf_add(b, t, n > 16 ? 16 : n) ?: (n > 16 ? buf_adds(b, "Z") : 0);
}

static const char *human_bytes(uint64_t v, char *out, size_t n)
{
	const char *u[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	size_t i = 0;
	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	snprintf(out, n, i ? "%.1f %s" : "%.0f %s", d, u[i]);
	return out;
}

/* ---- charts ---- */

typedef struct series {
	char name[128];
} series;

/* Alerts per day, stacked by agency. */
static int chart_timeline(spoor_case *c, buf *b, spoor_diag *diag)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT ts / 86400000000000, coalesce(agency, '-'), count(*) FROM alerts"
			       " WHERE id IN (SELECT id FROM sel) AND ts IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
			       -1, &st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "timeline");
	int64_t d0 = 0, d1 = 0;
	bool any = false;
	series ser[MAX_SERIES];
	size_t nser = 0;
	/* first pass: extent and series */
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t d = sqlite3_column_int64(st, 0);
		if (!any || d < d0)
			d0 = d;
		if (!any || d > d1)
			d1 = d;
		any = true;
		const char *a = (const char *)sqlite3_column_text(st, 1);
		size_t k = 0;
		while (k < nser && strcmp(ser[k].name, a))
			k++;
		if (k == nser && nser < MAX_SERIES)
			snprintf(ser[nser++].name, sizeof(ser[0].name), "%s", a);
	}
	int64_t span = any ? d1 - d0 + 1 : 1, bucket = 1;
	while (span / bucket > MAX_DAYS)
		bucket *= 7;
	size_t nb = (size_t)((span + bucket - 1) / bucket);
	uint64_t(*v)[MAX_SERIES] = xcalloc(nb, sizeof(*v));
	if (!v) {
		sqlite3_finalize(st);
		return diag_set(diag, SPOOR_ENOMEM, "out of memory");
	}
	sqlite3_reset(st);
	uint64_t maxh = 1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t i = (size_t)((sqlite3_column_int64(st, 0) - d0) / bucket);
		const char *a = (const char *)sqlite3_column_text(st, 1);
		size_t k = 0;
		while (k < nser && strcmp(ser[k].name, a))
			k++;
		if (k == nser)
			k = nser - 1; /* folded into the last colour */
		v[i][k] += (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; i < nb; i++) {
		uint64_t h = 0;
		for (size_t k = 0; k < nser; k++)
			h += v[i][k];
		maxh = h > maxh ? h : maxh;
	}
	const double W = 900, H = 220, L = 50, B = 30;
	double bw = (W - L - 10) / (double)nb;
	size_t marks = 0;
	for (size_t i = 0; i < nb; i++)
		for (size_t k = 0; k < nser; k++)
			marks += v[i][k] != 0;
	int rc = buf_printf(b,
			    "<svg id=\"chart-timeline\" class=\"chart\" data-marks=\"%zu\" viewBox=\"0 0 %.0f %.0f\" "
			    "role=\"img\" aria-label=\"alerts per %s by agency\">",
			    marks, W, H + B + 20, bucket == 1 ? "day" : "week");
	rc = rc ?: buf_printf(b, "<text x=\"4\" y=\"14\" class=\"ax\">%" PRIu64 "</text>", maxh);
	rc = rc ?: buf_printf(b, "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" class=\"axl\"/>", L, H, W - 10, H);
	for (size_t i = 0; i < nb && !rc; i++) {
		double y = H;
		for (size_t k = 0; k < nser && !rc; k++) {
			if (!v[i][k])
				continue;
			double h = (double)v[i][k] / (double)maxh * (H - 20);
			y -= h;
			char day[40];
			time_format((d0 + (int64_t)i * bucket) * 86400000000000LL, day);
			day[10] = 0;
			rc = buf_printf(b,
					"<rect class=\"mark\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
					"fill=\"%s\"><title>%s ",
					L + (double)i * bw, y, bw > 2 ? bw - 1 : bw, h, palette[k], day);
			rc = rc ?: esc(b, ser[k].name);
			rc = rc ?: buf_printf(b, ": %" PRIu64 "</title></rect>", v[i][k]);
		}
	}
	if (any && !rc) {
		char t0[40], t1[40];
		time_format(d0 * 86400000000000LL, t0);
		time_format(d1 * 86400000000000LL, t1);
		t0[10] = t1[10] = 0;
		rc = buf_printf(b,
				"<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">%s</text><text x=\"%.0f\" y=\"%.0f\" "
				"class=\"ax\" text-anchor=\"end\">%s</text>",
				L, H + 16, t0, W - 10, H + 16, t1);
	}
	for (size_t k = 0; k < nser && !rc; k++) {
		rc = buf_printf(b, "<rect x=\"%.0f\" y=\"%.0f\" width=\"10\" height=\"10\" fill=\"%s\"/>",
				L + (double)k * 140, H + B, palette[k]);
		rc = rc ?: buf_printf(b, "<text x=\"%.0f\" y=\"%.0f\" class=\"ax\">", L + (double)k * 140 + 14, H + B + 9);
		rc = rc ?: esc(b, k == MAX_SERIES - 1 && nser == MAX_SERIES ? "other" : ser[k].name);
		rc = rc ?: buf_adds(b, "</text>");
	}
	rc = rc ?: buf_adds(b, "</svg>\n");
	free(v);
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

/* First sighting of each tactic per agency: the kill chain as a grid. */
static int chart_chain(const scope_result *r, buf *b)
{
	char ag[MAX_SERIES][128];
	size_t na = 0;
	for (size_t i = 0; i < r->nchain; i++) {
		size_t k = 0;
		while (k < na && strcmp(ag[k], r->chain[i].agency))
			k++;
		if (k == na && na < MAX_SERIES)
			snprintf(ag[na++], sizeof(ag[0]), "%s", r->chain[i].agency);
	}
	const double L = 160, cw = 46, rh = 24;
	size_t marks = 0;
	for (size_t i = 0; i < r->nchain; i++) {
		size_t k = 0;
		while (k < na && strcmp(ag[k], r->chain[i].agency))
			k++;
		marks += k < na && scope_tactic_index(r->chain[i].tactic) >= 0;
	}
	int rc = buf_printf(b,
			    "<svg id=\"chart-chain\" class=\"chart\" data-marks=\"%zu\" viewBox=\"0 0 %.0f %.0f\" "
			    "role=\"img\" aria-label=\"ATT&amp;CK tactics seen per agency\">",
			    marks, L + cw * (double)scope_ntactics + 10, rh * (double)(na + 1) + 90);
	for (size_t t = 0; t < scope_ntactics && !rc; t++)
		rc = buf_printf(b,
				"<text class=\"ax\" transform=\"translate(%.0f,%.0f) rotate(-40)\">%s</text>",
				L + cw * (double)t + 10, 80.0, scope_tactics[t]);
	for (size_t k = 0; k < na && !rc; k++) {
		rc = buf_printf(b, "<text class=\"ax\" x=\"4\" y=\"%.0f\">", 100 + rh * (double)k);
		rc = rc ?: esc(b, ag[k]);
		rc = rc ?: buf_adds(b, "</text>");
	}
	for (size_t i = 0; i < r->nchain && !rc; i++) {
		int t = scope_tactic_index(r->chain[i].tactic);
		size_t k = 0;
		while (k < na && strcmp(ag[k], r->chain[i].agency))
			k++;
		if (t < 0 || k == na)
			continue;
		rc = buf_printf(b,
				"<circle class=\"mark\" cx=\"%.0f\" cy=\"%.0f\" r=\"%.1f\" fill=\"#d62728\"><title>",
				L + cw * t + 16, 96 + rh * (double)k,
				4 + (r->chain[i].alerts > 100 ? 6.0 : (double)r->chain[i].alerts * 0.06));
		rc = rc ?: esc(b, r->chain[i].agency);
		rc = rc ?: buf_printf(b, " %s: %" PRIu64 " %s, first ", r->chain[i].tactic, r->chain[i].alerts,
				      scope_plural(r->chain[i].alerts, "alert", "alerts"));
		rc = rc ?: tstr(b, r->chain[i].first);
		rc = rc ?: buf_adds(b, "</title></circle>");
	}
	return rc ?: buf_adds(b, "</svg>\n");
}

static int chart_heat(const scope_result *r, buf *b)
{
	static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	uint64_t mx = 1;
	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			mx = r->heat[d][h] > mx ? r->heat[d][h] : mx;
	int rc = buf_adds(b, "<svg id=\"chart-heatmap\" class=\"chart\" style=\"max-width:640px\" data-marks=\"168\" "
			     "viewBox=\"0 0 560 200\" "
			     "role=\"img\" aria-label=\"alerts by weekday and hour (UTC)\">");
	for (int h = 0; h < 24 && !rc; h += 3)
		rc = buf_printf(b, "<text class=\"ax\" x=\"%d\" y=\"12\">%02d</text>", 40 + h * 21, h);
	for (int d = 0; d < 7 && !rc; d++) {
		rc = buf_printf(b, "<text class=\"ax\" x=\"2\" y=\"%d\">%s</text>", 32 + d * 22, days[d]);
		for (int h = 0; h < 24 && !rc; h++) {
			double a = r->heat[d][h] ? 0.15 + 0.85 * (double)r->heat[d][h] / (double)mx : 0.04;
			rc = buf_printf(b,
					"<rect class=\"mark\" x=\"%d\" y=\"%d\" width=\"20\" height=\"20\" "
					"fill=\"#d62728\" fill-opacity=\"%.2f\"><title>%s %02d:00 %" PRIu64
					" %s</title></rect>",
					40 + h * 21, 18 + d * 22, a, days[d], h, r->heat[d][h],
					scope_plural(r->heat[d][h], "alert", "alerts"));
		}
	}
	return rc ?: buf_adds(b, "</svg>\n");
}

static int chart_taken(const scope_result *r, buf *b)
{
	size_t n = 0;
	uint64_t mx = 1;
	for (size_t i = 0; i < r->ntaken && n < 20; i++)
		if (!strcmp(r->taken[i].kind, "mailbox")) {
			n++;
			mx = r->taken[i].bytes > mx ? r->taken[i].bytes : mx;
		}
	int rc = buf_printf(b,
			    "<svg id=\"chart-taken\" class=\"chart\" data-marks=\"%zu\" viewBox=\"0 0 900 %zu\" "
			    "role=\"img\" aria-label=\"top mailboxes by mail taken\">",
			    n, 20 + n * 22);
	size_t k = 0;
	for (size_t i = 0; i < r->ntaken && k < n && !rc; i++) {
		const scope_taken *t = &r->taken[i];
		if (strcmp(t->kind, "mailbox"))
			continue;
		char hb[32];
		double w = 560.0 * (double)t->bytes / (double)mx;
		rc = buf_printf(b, "<text class=\"ax\" x=\"2\" y=\"%zu\">", 24 + k * 22);
		rc = rc ?: esc(b, t->name);
		rc = rc ?: buf_printf(b,
				      "</text><rect class=\"mark\" x=\"260\" y=\"%zu\" width=\"%.1f\" height=\"16\" "
				      "fill=\"#1f77b4\"><title>",
				      12 + k * 22, w < 1 ? 1 : w);
		rc = rc ?: esc(b, t->name);
		rc = rc ?: buf_printf(b,
				      ": %s, %" PRIu64 " %s</title></rect>"
				      "<text class=\"ax\" x=\"%.0f\" y=\"%zu\">%s</text>",
				      human_bytes(t->bytes, hb, sizeof(hb)), t->items,
				      scope_plural(t->items, "item", "items"), 266 + w, 24 + k * 22, hb);
		k++;
	}
	return rc ?: buf_adds(b, "</svg>\n");
}

/* provider -> agency -> host / mailbox, from the links of the selected
 * alerts' entities */
static int chart_graph(spoor_case *c, buf *b, spoor_diag *diag)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db,
			       "WITH se AS (SELECT DISTINCT ae.entity FROM alert_entities ae WHERE ae.alert IN"
			       " (SELECT id FROM sel))"
			       " SELECT ea.kind, ea.value, eb.kind, eb.value, l.n FROM links l"
			       " JOIN entities ea ON ea.id = l.a JOIN entities eb ON eb.id = l.b"
			       " WHERE l.a IN (SELECT entity FROM se) AND l.b IN (SELECT entity FROM se) AND"
			       " ((ea.kind = 'provider' AND eb.kind = 'agency') OR (ea.kind = 'agency' AND eb.kind IN"
			       " ('host', 'mailbox'))) ORDER BY l.n DESC LIMIT 400",
			       -1, &st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "graph");
	typedef struct node {
		char name[96];
		int col;
	} node;
	node nodes[3 * MAX_NODES];
	size_t nn = 0, ncol[3] = {0, 0, 0};
	struct edge {
		size_t a, b;
		int64_t n;
	} edges[400];
	size_t ne = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k[2] = {(const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 2)};
		const char *v[2] = {(const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 3)};
		size_t idx[2];
		bool ok = true;
		for (int s = 0; s < 2 && ok; s++) {
			int col = !strcmp(k[s], "provider") ? 0 : !strcmp(k[s], "agency") ? 1 : 2;
			size_t i = 0;
			while (i < nn && !(nodes[i].col == col && !strcmp(nodes[i].name, v[s])))
				i++;
			if (i == nn) {
				if (ncol[col] >= MAX_NODES) {
					ok = false;
					break;
				}
				snprintf(nodes[nn].name, sizeof(nodes[0].name), "%s", v[s]);
				nodes[nn].col = col;
				ncol[col]++;
				nn++;
			}
			idx[s] = i;
		}
		if (ok && ne < ARRAY_SIZE(edges))
			edges[ne++] = (struct edge){idx[0], idx[1], sqlite3_column_int64(st, 4)};
	}
	sqlite3_finalize(st);
	size_t rows = MAX(MAX(ncol[0], ncol[1]), MAX(ncol[2], (size_t)1));
	double H = 30 + 22 * (double)rows;
	/* y of a node: its rank within its column */
	double y[3 * MAX_NODES];
	size_t seen[3] = {0, 0, 0};
	for (size_t i = 0; i < nn; i++)
		y[i] = 20 + 22 * (double)seen[nodes[i].col]++ * (double)rows / (double)MAX(ncol[nodes[i].col], (size_t)1);
	int rc = buf_printf(b,
			    "<svg id=\"chart-graph\" class=\"chart\" data-marks=\"%zu\" data-edges=\"%zu\" viewBox=\"0 0 900 "
			    "%.0f\" role=\"img\" aria-label=\"providers, agencies, hosts and mailboxes\">",
			    nn, ne, H);
	const double X[3] = {90, 420, 700};
	for (size_t i = 0; i < ne && !rc; i++)
		rc = buf_printf(b, "<line class=\"edge\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\"/>",
				X[nodes[edges[i].a].col], y[edges[i].a], X[nodes[edges[i].b].col], y[edges[i].b]);
	static const char *const fill[3] = {"#ff7f0e", "#2ca02c", "#1f77b4"};
	for (size_t i = 0; i < nn && !rc; i++) {
		rc = buf_printf(b, "<circle class=\"mark\" cx=\"%.0f\" cy=\"%.0f\" r=\"6\" fill=\"%s\"/>",
				X[nodes[i].col], y[i], fill[nodes[i].col]);
		rc = rc ?: buf_printf(b, "<text class=\"ax\" x=\"%.0f\" y=\"%.0f\"%s>", X[nodes[i].col] + (nodes[i].col ? 10 : -10),
				      y[i] + 4, nodes[i].col ? "" : " text-anchor=\"end\"");
		rc = rc ?: esc(b, nodes[i].name);
		rc = rc ?: buf_adds(b, "</text>");
	}
	rc = rc ?: buf_adds(b, "</svg>\n");
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

/* ---- the document ---- */

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;color:#222;background:#fafafa}"
    "header{background:#1b2a41;color:#fff;padding:18px 32px}header h1{margin:0;font-size:22px}"
    "main{padding:0 32px 40px;max-width:1200px}h2{border-bottom:2px solid #1b2a41;padding-bottom:4px;margin-top:36px}"
    ".kpis{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}.kpi{background:#fff;border:1px solid #ddd;"
    "border-radius:6px;padding:10px 16px;min-width:120px}.kpi b{display:block;font-size:22px}"
    ".chart{width:100%;height:auto;background:#fff;border:1px solid #ddd;border-radius:6px;margin:8px 0}"
    ".ax{font-size:10px;fill:#555}.axl{stroke:#999}.edge{stroke:#aaa;stroke-width:1}"
    "table{border-collapse:collapse;background:#fff;width:100%;margin:8px 0;font-size:13px}"
    "th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#eef1f5;"
    "cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}input.filter{margin:6px 0;padding:4px 8px;"
    "width:320px}nav a{color:#cfe0ff;margin-right:14px}.muted{color:#777}";

static const char script[] =
    "document.querySelectorAll('table.data').forEach(function(t){"
    "var i=document.createElement('input');i.className='filter';i.placeholder='filter rows';"
    "i.setAttribute('aria-label','filter '+(t.id||'table'));t.parentNode.insertBefore(i,t);"
    "i.addEventListener('input',function(){var q=i.value.toLowerCase();"
    "t.tBodies[0].querySelectorAll('tr').forEach(function(r){"
    "r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});"
    "t.tHead.querySelectorAll('th').forEach(function(h,c){h.addEventListener('click',function(){"
    "var rows=Array.prototype.slice.call(t.tBodies[0].rows),d=h.dataset.dir==='a'?-1:1;h.dataset.dir=d>0?'a':'d';"
    "rows.sort(function(x,y){var a=x.cells[c].dataset.v||x.cells[c].textContent,"
    "b=y.cells[c].dataset.v||y.cells[c].textContent,na=parseFloat(a),nb=parseFloat(b);"
    "return (!isNaN(na)&&!isNaN(nb)?na-nb:a.localeCompare(b))*d;});"
    "rows.forEach(function(r){t.tBodies[0].appendChild(r);});});});});";

typedef struct doc {
	buf *b;
	bool md;
} doc;

/* label: the figure's name in the Markdown table (plural), one: under a
 * count of 1 in HTML ("1 provider") */
static int kpi(doc *d, const char *id, const char *label, const char *one, uint64_t v, const char *shown)
{
	char n[32];
	snprintf(n, sizeof(n), "%" PRIu64, v);
	if (d->md)
		return buf_printf(d->b, "| %s | %s |\n", label, shown ? shown : n);
	return buf_printf(d->b, "<div class=\"kpi\"><b id=\"%s\" data-value=\"%" PRIu64 "\">%s</b>%s</div>", id, v,
			  shown ? shown : n, v == 1 && one ? one : label);
}

static int table_begin(doc *d, const char *id, const char *const *cols, size_t n)
{
	int rc = 0;
	if (d->md) {
		for (size_t i = 0; i < n && !rc; i++)
			rc = buf_printf(d->b, "| %s ", cols[i]);
		rc = rc ?: buf_adds(d->b, "|\n");
		for (size_t i = 0; i < n && !rc; i++)
			rc = buf_adds(d->b, "|---");
		return rc ?: buf_adds(d->b, "|\n");
	}
	rc = buf_printf(d->b, "<table class=\"data\" id=\"%s\"><thead><tr>", id);
	for (size_t i = 0; i < n && !rc; i++)
		rc = buf_printf(d->b, "<th>%s</th>", cols[i]);
	return rc ?: buf_adds(d->b, "</tr></thead><tbody>\n");
}

static int cell(doc *d, const char *s, bool first, bool num)
{
	if (d->md) {
		int rc = buf_adds(d->b, first ? "| " : " | ");
		return rc ?: mdesc(d->b, s);
	}
	int rc = buf_adds(d->b, first ? "<tr>" : "");
	rc = rc ?: buf_adds(d->b, num ? "<td class=\"n\">" : "<td>");
	rc = rc ?: esc(d->b, s);
	return rc ?: buf_adds(d->b, "</td>");
}

static int cell_ts(doc *d, int64_t ns)
{
	buf t;
	buf_init(&t, 64);
	int rc = tstr(&t, ns) ?: buf_addc(&t, 0);
	rc = rc ?: cell(d, t.p, false, false);
	buf_done(&t);
	return rc;
}

static int cell_u64(doc *d, uint64_t v)
{
	char n[32];
	snprintf(n, sizeof(n), "%" PRIu64, v);
	return cell(d, n, false, true);
}

static int row_end(doc *d)
{
	return buf_adds(d->b, d->md ? " |\n" : "</tr>\n");
}

static int table_end(doc *d)
{
	return buf_adds(d->b, d->md ? "\n" : "</tbody></table>\n");
}

static int heading(doc *d, int level, const char *id, const char *text)
{
	if (d->md) {
		int rc = buf_printf(d->b, "\n%.*s ", level, "####");
		rc = rc ?: mdesc(d->b, text);
		return rc ?: buf_adds(d->b, "\n\n");
	}
	int rc = buf_printf(d->b, "<h%d id=\"", level);
	rc = rc ?: esc(d->b, id);
	rc = rc ?: buf_adds(d->b, "\">");
	rc = rc ?: esc(d->b, text);
	return rc ?: buf_printf(d->b, "</h%d>\n", level);
}

static int para(doc *d, const char *text)
{
	if (d->md)
		return buf_printf(d->b, "%s\n\n", text);
	int rc = buf_adds(d->b, "<p>");
	rc = rc ?: esc(d->b, text);
	return rc ?: buf_adds(d->b, "</p>\n");
}

static int taken_table(doc *d, const scope_result *r, const char *id, const char *agency)
{
	static const char *const cols[] = {"Kind", "From", "Agency", "Bytes", "Items", "Sessions", "First", "Last",
					   "First record"};
	int rc = table_begin(d, id, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < r->ntaken && !rc; i++) {
		const scope_taken *t = &r->taken[i];
		if (agency && strcmp(agency, t->agency))
			continue;
		char rec[4200];
		snprintf(rec, sizeof(rec), "%s:%" PRIu64, t->path, t->offset);
		rc = cell(d, t->kind, true, false);
		rc = rc ?: cell(d, t->name, false, false);
		rc = rc ?: cell(d, t->agency[0] ? t->agency : "-", false, false);
		rc = rc ?: cell_u64(d, t->bytes);
		rc = rc ?: cell_u64(d, t->items);
		rc = rc ?: cell_u64(d, t->sessions);
		rc = rc ?: cell_ts(d, t->first);
		rc = rc ?: cell_ts(d, t->last);
		rc = rc ?: cell(d, rec, false, false);
		rc = rc ?: row_end(d);
	}
	return rc ?: table_end(d);
}

static int entity_table(doc *d, const scope_result *r, const char *id, const char *only_kind)
{
	static const char *const cols[] = {"Kind", "Entity", "First", "Last", "Alerts"};
	int rc = table_begin(d, id, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < r->nent && !rc; i++) {
		const scope_entity *e = &r->ent[i];
		if (only_kind && strcmp(e->kind, only_kind))
			continue;
		rc = cell(d, e->kind, true, false);
		rc = rc ?: cell(d, e->value, false, false);
		rc = rc ?: cell_ts(d, e->first);
		rc = rc ?: cell_ts(d, e->last);
		rc = rc ?: cell_u64(d, e->alerts);
		rc = rc ?: row_end(d);
	}
	return rc ?: table_end(d);
}

static int chain_table(doc *d, const scope_result *r, const char *id, const char *agency)
{
	static const char *const cols[] = {"Agency", "Tactic", "First", "Last", "Alerts"};
	int rc = table_begin(d, id, cols, ARRAY_SIZE(cols));
	/* kill-chain order within each agency */
	for (size_t t = 0; t <= scope_ntactics && !rc; t++) {
		for (size_t i = 0; i < r->nchain && !rc; i++) {
			const scope_chain *k = &r->chain[i];
			int ti = scope_tactic_index(k->tactic);
			if ((ti < 0 ? scope_ntactics : (size_t)ti) != t || (agency && strcmp(agency, k->agency)))
				continue;
			rc = cell(d, k->agency, true, false);
			rc = rc ?: cell(d, k->tactic, false, false);
			rc = rc ?: cell_ts(d, k->first);
			rc = rc ?: cell_ts(d, k->last);
			rc = rc ?: cell_u64(d, k->alerts);
			rc = rc ?: row_end(d);
		}
	}
	return rc ?: table_end(d);
}

static int evidence_status(spoor_case *c, doc *d, spoor_diag *diag)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT count(*), count(leaf), max(leaf) FROM alerts WHERE id IN (SELECT id FROM sel)", -1,
			       &st, NULL) != SQLITE_OK)
		return case_sqlerr(c, diag, "evidence");
	uint64_t n = 0, with = 0, mx = 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
		n = (uint64_t)sqlite3_column_int64(st, 0);
		with = (uint64_t)sqlite3_column_int64(st, 1);
		mx = (uint64_t)sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	char t[512];
	if (with)
		snprintf(t, sizeof(t),
			 "%" PRIu64 " of %" PRIu64 " %s to a leaf of the evidence log (highest leaf index %" PRIu64
			 "). `spoor evidence verify DIR` checks the log and its signed checkpoints; "
			 "`spoor evidence prove DIR --leaf N` proves one record's inclusion.",
			 with, n, n == 1 ? "alert points" : with == 1 ? "alerts points" : "alerts point", mx);
	else
		snprintf(t, sizeof(t),
			 "%s%" PRIu64 " %s to an evidence log: the hunt ran without --evidence, so "
			 "the %s behind %s not protected against later edits.",
			 n == 1 ? "The " : "None of the ", n, n == 1 ? "alert does not point" : "alerts points",
			 n == 1 ? "record" : "records", n == 1 ? "it is" : "them are");
	int rc = heading(d, 2, "evidence", "Evidence");
	rc = rc ?: para(d, t);
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

static int report(spoor_case *c, const scope_result *r, spoor_report_format fmt, buf *b, spoor_diag *diag)
{
	doc dd = {b, fmt == SPOOR_REPORT_MD}, *d = &dd;
	int rc = 0;
	char hb[32], line[1024];
	if (d->md) {
		rc = buf_adds(b, "# spoor case report\n\n");
	} else {
		rc = buf_printf(b,
				"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
				"<meta name=\"viewport\" content=\"width=device-width\">"
				"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
				"style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
				"<title>spoor case report</title><style>%s</style></head><body>"
				"<header><h1>spoor case report</h1><nav><a href=\"#summary\">Summary</a>"
				"<a href=\"#timeline\">Timeline</a><a href=\"#agencies\">Agencies</a>"
				"<a href=\"#providers\">Providers</a><a href=\"#taken\">Data taken</a>"
				"<a href=\"#graph\">Graph</a><a href=\"#evidence\">Evidence</a></nav></header><main>\n",
				css);
	}
	/* executive summary */
	rc = rc ?: heading(d, 2, "summary", "Summary");
	{
		buf t;
		buf_init(&t, 4096);
		int r2 = buf_printf(&t, "%" PRIu64 " %s between ", r->alerts,
				    scope_plural(r->alerts, "alert", "alerts"));
		r2 = r2 ?: tstr(&t, r->first);
		r2 = r2 ?: buf_adds(&t, " and ");
		r2 = r2 ?: tstr(&t, r->last);
		r2 = r2 ?: buf_printf(&t,
				      ". %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s and %" PRIu64
				      " %s touched; %s of mail and data (%" PRIu64 " %s) went to %zu intruder %s.",
				      r->n_agencies, r->n_agencies == 1 ? "agency" : "agencies", r->n_providers,
				      r->n_providers == 1 ? "IT service provider" : "IT service providers", r->n_mailboxes,
				      r->n_mailboxes == 1 ? "mailbox" : "mailboxes", r->n_hosts,
				      r->n_hosts == 1 ? "host was" : "hosts were",
				      human_bytes(r->bytes_taken, hb, sizeof(hb)), r->items_taken,
				      scope_plural(r->items_taken, "mail item", "mail items"), r->nips,
				      r->nips == 1 ? "address" : "addresses");
		size_t na = 0;
		for (size_t i = 0; i < r->nent && !r2; i++) {
			if (strcmp(r->ent[i].kind, "actor"))
				continue;
			r2 = buf_adds(&t, na++ ? ", " : " Actors named by intel: ");
			r2 = r2 ?: buf_adds(&t, r->ent[i].value);
		}
		if (na && !r2)
			r2 = buf_addc(&t, '.');
		r2 = r2 ?: buf_addc(&t, 0);
		rc = rc ?: r2;
		rc = rc ?: para(d, t.p);
		buf_done(&t);
	}
	if (d->md)
		rc = rc ?: buf_adds(b, "| figure | value |\n|---|---|\n");
	else
		rc = rc ?: buf_adds(b, "<div class=\"kpis\">");
	rc = rc ?: kpi(d, "sum-alerts", "alerts", "alert", r->alerts, NULL);
	rc = rc ?: kpi(d, "sum-agencies", "agencies", "agency", r->n_agencies, NULL);
	rc = rc ?: kpi(d, "sum-providers", "providers", "provider", r->n_providers, NULL);
	rc = rc ?: kpi(d, "sum-mailboxes", "mailboxes", "mailbox", r->n_mailboxes, NULL);
	rc = rc ?: kpi(d, "sum-hosts", "hosts", "host", r->n_hosts, NULL);
	rc = rc ?: kpi(d, "sum-accounts", "accounts", "account", r->n_accounts, NULL);
	rc = rc ?: kpi(d, "sum-actors", "actors", "actor", r->n_actors, NULL);
	rc = rc ?: kpi(d, "sum-bytes", "data taken", NULL, r->bytes_taken,
		       human_bytes(r->bytes_taken, hb, sizeof(hb)));
	rc = rc ?: kpi(d, "sum-items", "mail items taken", "mail item taken", r->items_taken, NULL);
	rc = rc ?: buf_adds(b, d->md ? "\n" : "</div>\n");
	/* charts */
	rc = rc ?: heading(d, 2, "timeline", "Timeline");
	if (!d->md && !rc) {
		rc = para(d, "Alerts per day, by agency.");
		if (!rc && (rc = chart_timeline(c, b, diag)) < 0)
			return rc;
		rc = rc ?: para(d, "ATT&CK tactics per agency (first sighting in the tooltip).");
		rc = rc ?: chart_chain(r, b);
		rc = rc ?: para(d, "When the alerts happen: weekday and hour, UTC.");
		rc = rc ?: chart_heat(r, b);
	}
	rc = rc ?: heading(d, 3, "killchain", "Kill chain");
	rc = rc ?: chain_table(d, r, "table-chain", NULL);
	/* per agency */
	rc = rc ?: heading(d, 2, "agencies", "Agencies");
	for (size_t i = 0; i < r->nent && !rc; i++) {
		if (strcmp(r->ent[i].kind, "agency"))
			continue;
		char id[300];
		snprintf(id, sizeof(id), "agency-%s", r->ent[i].value);
		snprintf(line, sizeof(line), "Agency %s", r->ent[i].value);
		rc = heading(d, 3, id, line);
		buf t;
		buf_init(&t, 256);
		int r2 = buf_printf(&t, "%" PRIu64 " %s, first ", r->ent[i].alerts,
				    scope_plural(r->ent[i].alerts, "alert", "alerts"));
		r2 = r2 ?: tstr(&t, r->ent[i].first);
		r2 = r2 ?: buf_adds(&t, ", last ");
		r2 = r2 ?: tstr(&t, r->ent[i].last);
		r2 = r2 ?: buf_addc(&t, 0);
		rc = rc ?: r2;
		rc = rc ?: para(d, t.p);
		buf_done(&t);
		snprintf(id, sizeof(id), "table-chain-%s", r->ent[i].value);
		rc = rc ?: chain_table(d, r, id, r->ent[i].value);
		snprintf(id, sizeof(id), "table-taken-%s", r->ent[i].value);
		rc = rc ?: taken_table(d, r, id, r->ent[i].value);
	}
	/* per provider */
	rc = rc ?: heading(d, 2, "providers", "IT service providers");
	rc = rc ?: entity_table(d, r, "table-providers", "provider");
	/* data taken */
	rc = rc ?: heading(d, 2, "taken", "Data taken");
	if (!d->md && !rc) {
		rc = para(d, "Top mailboxes by mail sent to intruder addresses.");
		rc = rc ?: chart_taken(r, b);
	}
	rc = rc ?: taken_table(d, r, "table-taken", NULL);
	/* entities */
	rc = rc ?: heading(d, 2, "graph", "Entities");
	if (!d->md && !rc) {
		rc = para(d, "Providers (left) to agencies (middle) to hosts and mailboxes (right), as alerts link them.");
		if (!rc && (rc = chart_graph(c, b, diag)) < 0)
			return rc;
	}
	rc = rc ?: entity_table(d, r, "table-entities", NULL);
	rc = rc ?: heading(d, 3, "rules", "Rules and analytics that fired");
	if (!rc) {
		static const char *const cols[] = {"Rule", "Engine", "Level", "Alerts"};
		rc = table_begin(d, "table-rules", cols, ARRAY_SIZE(cols));
		for (size_t i = 0; i < r->nrules && !rc; i++) {
			rc = cell(d, r->rules[i].name, true, false);
			rc = rc ?: cell(d, r->rules[i].ruleset, false, false);
			rc = rc ?: cell(d, spoor_level_name((spoor_level)r->rules[i].level), false, false);
			rc = rc ?: cell_u64(d, r->rules[i].alerts);
			rc = rc ?: row_end(d);
		}
		rc = rc ?: table_end(d);
	}
	if (rc < 0)
		return diag_set(diag, rc, "out of memory");
	if ((rc = evidence_status(c, d, diag)) < 0)
		return rc;
	if (!d->md)
		rc = buf_printf(b, "<p class=\"muted\">Generated by spoor. Figures equal `spoor scope --format json` "
				   "on the same case.</p></main><script>%s</script></body></html>\n",
				script);
	return rc < 0 ? diag_set(diag, rc, "out of memory") : 0;
}

static int report_fn(spoor_case *c, const scope_result *r, const spoor_scope_query *q, int fmt, buf *b,
		     spoor_diag *diag)
{
	(void)q;
	return report(c, r, (spoor_report_format)fmt, b, diag);
}

SPOOR_API int spoor_case_report(spoor_case *c, const spoor_scope_query *q, spoor_report_format fmt, char **out,
				size_t *len, spoor_diag *diag)
{
	return scope_text(c, q, (int)fmt, report_fn, out, len, diag);
}
