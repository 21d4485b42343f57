/* SVG chart writer (see svg_plot.h).
 *
 * DESIGN: each plot is laid out in pixels from its own content (label
 * lengths, counts), then written with fprintf. Text width is estimated
 * at 0.6 em per character, about right for a sans-serif font's digits
 * and lower case; labels are cut before they could overlap. Write errors
 * are only checked once, at the end (ferror and fclose), and the file is
 * removed then, so no caller sees half a chart. */
#define _POSIX_C_SOURCE 200809L
#include "svg_plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FONT 12          /* px, tick and axis labels */
#define TITLE_FONT 16
#define CHAR_W 0.6       /* em per character, for layout */
#define LABEL_MAX 24     /* characters of a label before it is cut */
#define HEAT_ANNOTATE 16 /* more cells than this per side are too small to carry numbers */

/* Blue-white-red (ColorBrewer RdBu, 5 classes): readable for most colour
 * vision deficiencies, white where r = 0. */
static const unsigned char diverging[5][3] = {
	{0x21, 0x66, 0xac}, {0x92, 0xc5, 0xde}, {0xf7, 0xf7, 0xf7}, {0xf4, 0xa5, 0x82}, {0xb2, 0x18, 0x2b},
};
/* Categorical (Tableau 10) for classes. */
static const char *const palette[10] = {
	"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
	"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
};

static double fin(double v)
{
	return isfinite(v) ? v : 0.0;
}

/* Bytes of the UTF-8 sequence at s, or 0 if it is not a valid one. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong 3/4-byte forms, surrogates and beyond U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* Characters in s as esc() writes them (an invalid byte is one '?'). */
static size_t text_chars(const char *s)
{
	size_t n = 0;
	while (s && *s) {
		size_t l = utf8_len((const unsigned char *)s);
		s += l ? l : 1;
		n++;
	}
	return n;
}

/* Writes s as XML character data, at most max characters (0: all);
 * returns 1 if it had to cut. */
static int esc(FILE *f, const char *s, size_t max)
{
	size_t n = 0;
	if (!s)
		return 0;
	if (max && text_chars(s) > max)
		max = max > 1 ? max - 1 : 1; /* room for the ellipsis */
	else
		max = 0;
	while (*s) {
		const unsigned char *u = (const unsigned char *)s;
		size_t l = utf8_len(u);
		if (max && n == max) {
			fputs("\xe2\x80\xa6", f); /* U+2026 ellipsis */
			return 1;
		}
		if (l == 0 || (u[0] < 0x20 && u[0] != '\t'))
			fputc('?', f); /* not allowed in XML 1.0 */
		else if (u[0] == '&')
			fputs("&amp;", f);
		else if (u[0] == '<')
			fputs("&lt;", f);
		else if (u[0] == '>')
			fputs("&gt;", f);
		else if (u[0] == '"')
			fputs("&quot;", f);
		else if (u[0] == '\'')
			fputs("&#39;", f);
		else
			fwrite(s, 1, l, f);
		s += l ? l : 1;
		n++;
	}
	return 0;
}

static size_t label_chars(const char *s)
{
	size_t n = text_chars(s);
	return n < LABEL_MAX ? n : LABEL_MAX;
}

/* A <text> element; attrs (may be "") goes into the start tag verbatim.
 * A cut label keeps its full text in a <title> tooltip. */
static void text(FILE *f, double x, double y, int size, const char *anchor, const char *attrs,
		 const char *s, size_t max)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"%s\"%s%s>", fin(x),
		fin(y), size, anchor, *attrs ? " " : "", attrs);
	if (esc(f, s, max)) {
		fputs("<title>", f);
		esc(f, s, 0);
		fputs("</title>", f);
	}
	fputs("</text>\n", f);
}

static FILE *svg_begin(const char *path, double w, double h, const char *title)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"Helvetica, Arial, "
		"'DejaVu Sans', sans-serif\" fill=\"#222\">\n",
		w, h, w, h);
	fprintf(f, "<rect class=\"bg\" width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	text(f, w / 2, 26, TITLE_FONT, "middle", "class=\"title\" font-weight=\"bold\"", title,
	     (size_t)(w / (CHAR_W * TITLE_FONT)));
	return f;
}

/* Closes f; on any write error removes path. 0 or -errno. */
static int svg_end(FILE *f, const char *path)
{
	int rc = 0;
	fputs("</svg>\n", f);
	if (ferror(f))
		rc = errno ? -errno : -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = errno ? -errno : -EIO;
	if (rc)
		unlink(path);
	return rc;
}

static int open_err(void)
{
	return errno ? -errno : -EIO;
}

/* A 1, 2 or 5 times 10^k step giving about `target` intervals. */
static double nice_step(double range, int target)
{
	double raw = range / target, mag = pow(10.0, floor(log10(raw))), m = raw / mag;
	return (m < 1.5 ? 1.0 : m < 3.0 ? 2.0 : m < 7.0 ? 5.0 : 10.0) * mag;
}

struct axis {
	double lo, hi, step;
};

/* Widens [lo, hi] to whole steps; a point gets a unit around it. */
static struct axis axis_make(double lo, double hi, int target)
{
	struct axis a;
	lo = fin(lo);
	hi = fin(hi);
	if (hi < lo) {
		double t = lo;
		lo = hi;
		hi = t;
	}
	if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi)) || hi == lo) {
		double d = lo != 0 ? fabs(lo) * 0.5 : 1.0;
		lo -= d;
		hi += d;
	}
	a.step = nice_step(hi - lo, target);
	a.lo = floor(lo / a.step) * a.step;
	a.hi = ceil(hi / a.step) * a.step;
	if (!isfinite(a.lo) || !isfinite(a.hi) || !(a.step > 0)) { /* beyond double's range */
		a.lo = -1;
		a.hi = 1;
		a.step = 0.5;
	}
	return a;
}

/* Tick value v as text: rounded to the step so no 0.30000000000000004. */
static void tick_label(char *buf, size_t len, double v, double step)
{
	v = round(v / step) * step;
	if (fabs(v) < step * 1e-6)
		v = 0.0;
	snprintf(buf, len, "%.6g", v);
}

static void colour(double t, char out[8])
{
	t = fmin(fmax(fin(t), 0.0), 1.0) * 4.0;
	int i = t >= 4.0 ? 3 : (int)t;
	double u = t - i;
	unsigned c[3];
	for (int k = 0; k < 3; k++)
		c[k] = (unsigned)lround(diverging[i][k] + u * (diverging[i + 1][k] - diverging[i][k]));
	snprintf(out, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

int svg_plot_heatmap(const char *path, const char *title, const char *scale_label,
		     const char *const *labels, size_t n, const double *v, double vmin, double vmax)
{
	if (!path || !labels || !v || n == 0 || !isfinite(vmin) || !isfinite(vmax) || !(vmax > vmin))
		return -EINVAL;
	size_t lmax = 1;
	for (size_t i = 0; i < n; i++)
		if (label_chars(labels[i]) > lmax)
			lmax = label_chars(labels[i]);
	double cell = fmin(40.0, fmax(8.0, 560.0 / n));
	int font = cell < FONT + 2 ? (int)fmax(7.0, cell - 2) : FONT;
	double lw = lmax * CHAR_W * font + 10;
	double x0 = 20 + lw, y0 = 50, side = cell * n;
	double bottom = lw * 0.72 + 20; /* labels at -45 degrees */
	double cbx = x0 + side + 30, w = cbx + 90, h = fmax(y0 + side + bottom, y0 + 160);
	if (w < 360)
		w = 360;
	FILE *f = svg_begin(path, w, h, title);
	char fill[8], buf[32];

	if (!f)
		return open_err();
	fprintf(f, "<g class=\"cells\" stroke=\"white\" stroke-width=\"%.1f\">\n", cell >= 14 ? 1.0 : 0.5);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			double x = v[i * n + j];
			if (isfinite(x))
				colour((x - vmin) / (vmax - vmin), fill);
			else
				strcpy(fill, "#cccccc");
			fprintf(f, "<rect class=\"cell\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
				x0 + j * cell, y0 + i * cell, cell, cell, fill);
			esc(f, labels[i], 0);
			fputs(" / ", f);
			esc(f, labels[j], 0);
			if (isfinite(x))
				fprintf(f, ": %.4f</title></rect>\n", x);
			else
				fputs(": n/a</title></rect>\n", f);
		}
	fputs("</g>\n", f);
	if (n <= HEAT_ANNOTATE) {
		int vf = (int)fmin(11.0, cell * 0.32);
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < n; j++) {
				double x = v[i * n + j], t = (x - vmin) / (vmax - vmin);
				if (!isfinite(x))
					continue;
				fprintf(f, "<text class=\"value\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" text-anchor=\"middle\" fill=\"%s\">%.2f</text>\n",
					x0 + (j + 0.5) * cell, y0 + (i + 0.5) * cell + vf * 0.35, vf,
					fabs(t - 0.5) > 0.35 ? "white" : "#222", x);
			}
	}
	for (size_t i = 0; i < n; i++)
		text(f, x0 - 6, y0 + (i + 0.5) * cell + font * 0.35, font, "end", "class=\"ylabel\"",
		     labels[i], LABEL_MAX);
	for (size_t j = 0; j < n; j++) {
		double x = x0 + (j + 0.5) * cell + font * 0.35, y = y0 + side + 8;
		char attrs[96];
		snprintf(attrs, sizeof(attrs), "class=\"xlabel\" transform=\"rotate(-45 %.1f %.1f)\"", x, y);
		text(f, x, y, font, "end", attrs, labels[j], LABEL_MAX);
	}
	fprintf(f, "<rect class=\"frame\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#666\"/>\n",
		x0, y0, side, side);

	/* colour bar: vmax at the top */
	double cbh = fmax(side, 80.0);
	fputs("<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">", f);
	for (int k = 0; k < 5; k++)
		fprintf(f, "<stop offset=\"%.2f\" stop-color=\"#%02x%02x%02x\"/>", k / 4.0, diverging[k][0],
			diverging[k][1], diverging[k][2]);
	fputs("</linearGradient></defs>\n", f);
	fprintf(f, "<rect class=\"colorbar\" x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"%.1f\" fill=\"url(#scale)\" stroke=\"#666\"/>\n",
		cbx, y0, cbh);
	struct axis a = axis_make(vmin, vmax, 4);
	for (double t = a.lo; t <= vmax + a.step * 1e-9; t += a.step) {
		if (t < vmin - a.step * 1e-9)
			continue;
		double y = y0 + cbh * (vmax - t) / (vmax - vmin);
		tick_label(buf, sizeof(buf), t, a.step);
		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#666\"/>\n",
			cbx + 16, y, cbx + 20, y);
		text(f, cbx + 23, y + FONT * 0.35, FONT, "start", "class=\"scale-label\"", buf, 0);
	}
	if (scale_label)
		text(f, cbx + 8, y0 + cbh + 20, FONT, "middle", "class=\"scale-title\"", scale_label, 16);
	return svg_end(f, path);
}

static double ymap(const struct axis *a, double v, double top, double bottom)
{
	return bottom - (fin(v) - a->lo) / (a->hi - a->lo) * (bottom - top);
}

static double xmap(const struct axis *a, double v, double left, double right)
{
	return left + (fin(v) - a->lo) / (a->hi - a->lo) * (right - left);
}

static unsigned axis_ticks(const struct axis *a)
{
	long k = lround((a->hi - a->lo) / a->step);
	return k < 1 ? 1 : k > 50 ? 50 : (unsigned)k;
}

/* Left axis from top to bottom at x, light grid lines across width gw. */
static void y_axis(FILE *f, const struct axis *a, double x, double top, double bottom, double gw,
		   int percent)
{
	char buf[32];
	unsigned k = axis_ticks(a);
	for (unsigned i = 0; i <= k; i++) {
		double t = a->lo + i * (a->hi - a->lo) / k, y = ymap(a, t, top, bottom);
		if (percent)
			snprintf(buf, sizeof(buf), "%.0f%%", round(t * 100.0));
		else
			tick_label(buf, sizeof(buf), t, a->step);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
			x, y, x + gw, y);
		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			x - 4, y, x, y);
		text(f, x - 7, y + FONT * 0.35, FONT, "end", "class=\"tick-label\"", buf, 0);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		x, top, x, bottom);
}

/* A rotated axis title centred on (x, y). */
static void y_title(FILE *f, double x, double y, const char *s)
{
	char attrs[96];
	snprintf(attrs, sizeof(attrs), "class=\"axis-title\" transform=\"rotate(-90 %.1f %.1f)\"", x, y);
	text(f, x, y, FONT, "middle", attrs, s, 40);
}

int svg_plot_hbars(const char *path, const char *title, const char *xlabel,
		   const char *const *labels, const double *v, size_t n)
{
	if (!path || !labels || !v || n == 0)
		return -EINVAL;
	double lo = 0, hi = 0;
	size_t lmax = 1;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(v[i])) {
			lo = fmin(lo, v[i]);
			hi = fmax(hi, v[i]);
		}
		if (label_chars(labels[i]) > lmax)
			lmax = label_chars(labels[i]);
	}
	if (!(hi > lo))
		hi = lo + 1; /* all zero: an empty axis from 0 */
	const double bar = 18, gap = 6, pw = 460, top = 50;
	double x0 = 30 + lmax * CHAR_W * FONT, ph = n * (bar + gap) + gap;
	double w = x0 + pw + 80, h = top + ph + 60;
	struct axis a = axis_make(lo, hi, 5);
	FILE *f = svg_begin(path, w, h, title);
	char buf[32];

	if (!f)
		return open_err();
	unsigned k = axis_ticks(&a);
	for (unsigned i = 0; i <= k; i++) {
		double t = a.lo + i * (a.hi - a.lo) / k, x = xmap(&a, t, x0, x0 + pw);
		tick_label(buf, sizeof(buf), t, a.step);
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e5e5e5\"/>\n",
			x, top, x, top + ph);
		fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
			x, top + ph, x, top + ph + 4);
		text(f, x, top + ph + 6 + FONT, FONT, "middle", "class=\"tick-label\"", buf, 0);
	}
	double zx = xmap(&a, 0, x0, x0 + pw);
	for (size_t i = 0; i < n; i++) {
		double y = top + gap + i * (bar + gap);
		text(f, x0 - 6, y + bar / 2 + FONT * 0.35, FONT, "end", "class=\"ylabel\"", labels[i],
		     LABEL_MAX);
		if (!isfinite(v[i]))
			continue;
		double x = xmap(&a, v[i], x0, x0 + pw);
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>",
			fmin(x, zx), y, fabs(x - zx), bar, palette[0]);
		esc(f, labels[i], 0);
		fprintf(f, ": %.6g</title></rect>\n", v[i]);
		snprintf(buf, sizeof(buf), "%.4g", v[i]);
		text(f, v[i] < 0 ? x - 4 : x + 4, y + bar / 2 + FONT * 0.35, FONT - 1,
		     v[i] < 0 ? "end" : "start", "class=\"value\" fill=\"#555\"", buf, 0);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		x0, top + ph, x0 + pw, top + ph);
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		zx, top, zx, top + ph);
	if (xlabel)
		text(f, x0 + pw / 2, top + ph + 2 * FONT + 16, FONT, "middle", "class=\"axis-title\"",
		     xlabel, 60);
	return svg_end(f, path);
}

int svg_plot_scree(const char *path, const char *title, const double *ratio, size_t n)
{
	if (!path || !ratio || n == 0)
		return -EINVAL;
	double slot = fmin(36.0, fmax(6.0, 480.0 / n)), pw = slot * n;
	const double x0 = 75, top = 70, ph = 260;
	double w = fmax(x0 + pw + 60, 400), h = top + ph + 64;
	struct axis a = {0.0, 1.0, 0.2};
	FILE *f = svg_begin(path, w, h, title);
	size_t every = (n + 19) / 20; /* at most ~20 component numbers */
	char buf[32];
	double cum = 0;

	if (!f)
		return open_err();
	y_axis(f, &a, x0, top, top + ph, pw, 1);
	for (size_t i = 0; i < n; i++) {
		double r = fmin(fmax(fin(ratio[i]), 0.0), 1.0), x = x0 + i * slot;
		fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>PC%zu: %.2f%%</title></rect>\n",
			x + slot * 0.15, ymap(&a, r, top, top + ph), slot * 0.7, r * ph, palette[0],
			i + 1, r * 100.0);
		if (i % every == 0 || i + 1 == n) {
			snprintf(buf, sizeof(buf), "%zu", i + 1);
			text(f, x + slot / 2, top + ph + 6 + FONT, FONT, "middle", "class=\"tick-label\"",
			     buf, 0);
		}
	}
	for (int g = 0; g < 2; g++) {
		double t = g ? 0.95 : 0.90, y = ymap(&a, t, top, top + ph);
		fprintf(f, "<line class=\"guide\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>\n",
			x0, y, x0 + pw, y);
		text(f, x0 + pw + 4, y + (g ? -1 : 9), FONT - 2, "start", "class=\"guide-label\" fill=\"#777\"",
		     g ? "95%" : "90%", 0);
	}
	fputs("<polyline class=\"cum\" fill=\"none\" stroke=\"#e15759\" stroke-width=\"2\" points=\"", f);
	for (size_t i = 0; i < n; i++) {
		cum = fmin(cum + fmin(fmax(fin(ratio[i]), 0.0), 1.0), 1.0);
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", x0 + (i + 0.5) * slot, ymap(&a, cum, top, top + ph));
	}
	fputs("\"/>\n", f);
	cum = 0;
	for (size_t i = 0; i < n; i++) {
		cum = fmin(cum + fmin(fmax(fin(ratio[i]), 0.0), 1.0), 1.0);
		fprintf(f, "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#e15759\"><title>PC1-%zu: %.2f%%</title></circle>\n",
			x0 + (i + 0.5) * slot, ymap(&a, cum, top, top + ph), i + 1, cum * 100.0);
	}
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		x0, top + ph, x0 + pw, top + ph);
	text(f, x0 + pw / 2, top + ph + 2 * FONT + 16, FONT, "middle", "class=\"axis-title\"",
	     "principal component", 0);
	y_title(f, 20, top + ph / 2, "explained variance");
	/* legend, between the title and the plot */
	fprintf(f, "<g class=\"legend\"><rect x=\"%.1f\" y=\"42\" width=\"12\" height=\"12\" fill=\"%s\"/>",
		x0, palette[0]);
	text(f, x0 + 17, 52, FONT, "start", "", "per component", 0);
	fprintf(f, "<line x1=\"%.1f\" y1=\"48\" x2=\"%.1f\" y2=\"48\" stroke=\"#e15759\" stroke-width=\"2\"/>",
		x0 + 130, x0 + 148);
	text(f, x0 + 153, 52, FONT, "start", "", "cumulative", 0);
	fputs("</g>\n", f);
	return svg_end(f, path);
}

static int box_ok(const struct svg_box *b)
{
	return b->n > 0 && isfinite(b->whisker_lo) && isfinite(b->q1) && isfinite(b->median) &&
	       isfinite(b->q3) && isfinite(b->whisker_hi) && isfinite(b->min) && isfinite(b->max);
}

static void box_panel(FILE *f, const struct svg_box_panel *p, const char *const *labels, size_t nb,
		      double px, double py, double pw, double ph, int rotate)
{
	const double left = 62, top = 30;
	double x0 = px + left, y0 = py + top, w = pw - left - 12, h = ph;
	double lo = INFINITY, hi = -INFINITY, slot = w / nb;
	char buf[160];

	text(f, x0 + w / 2, py + 16, FONT + 1, "middle", "class=\"panel-title\" font-weight=\"bold\"",
	     p->title, (size_t)(pw / (CHAR_W * (FONT + 1))));
	for (size_t i = 0; i < nb; i++)
		if (box_ok(&p->box[i])) {
			lo = fmin(lo, fmin(p->box[i].min, p->box[i].whisker_lo));
			hi = fmax(hi, fmax(p->box[i].max, p->box[i].whisker_hi));
		}
	struct axis a = isfinite(lo) ? axis_make(lo, hi, 5) : (struct axis){0.0, 1.0, 0.5};
	y_axis(f, &a, x0, y0, y0 + h, w, 0);
	fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>\n",
		x0, y0 + h, x0 + w, y0 + h);
	for (size_t i = 0; i < nb; i++) {
		const struct svg_box *b = &p->box[i];
		const char *c = palette[i % 10];
		double cx = x0 + (i + 0.5) * slot, bw = fmin(40.0, slot * 0.55);
		double lx = cx, ly = y0 + h + 6 + FONT;

		if (rotate) {
			char attrs[96];
			snprintf(attrs, sizeof(attrs), "class=\"xlabel\" transform=\"rotate(-35 %.1f %.1f)\"", lx,
				 ly - FONT * 0.5);
			text(f, lx, ly, FONT, "end", attrs, labels[i], 16);
		} else {
			text(f, lx, ly, FONT, "middle", "class=\"xlabel\"", labels[i], 16);
		}
		if (!box_ok(b)) {
			text(f, cx, y0 + h / 2, FONT - 2, "middle", "class=\"nodata\" fill=\"#999\"", "no data", 0);
			continue;
		}
		double yq1 = ymap(&a, b->q1, y0, y0 + h), yq3 = ymap(&a, b->q3, y0, y0 + h);
		double ylo = ymap(&a, b->whisker_lo, y0, y0 + h), yhi = ymap(&a, b->whisker_hi, y0, y0 + h);
		double ymed = ymap(&a, b->median, y0, y0 + h);
		fprintf(f, "<g class=\"whiskers\" stroke=\"%s\" stroke-width=\"1.2\">"
			   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
			c, cx, yhi, cx, yq3, cx, yq1, cx, ylo, cx - bw / 4, yhi, cx + bw / 4, yhi,
			cx - bw / 4, ylo, cx + bw / 4, ylo);
		fprintf(f, "<rect class=\"box\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.55\" stroke=\"%s\"><title>",
			cx - bw / 2, yq3, bw, fmax(yq1 - yq3, 0.5), c, c);
		esc(f, labels[i], 0);
		snprintf(buf, sizeof(buf), ": n=%zu, Q1=%.4g, median=%.4g, Q3=%.4g, min=%.4g, max=%.4g",
			 b->n, b->q1, b->median, b->q3, b->min, b->max);
		fprintf(f, "%s</title></rect>\n", buf);
		fprintf(f, "<line class=\"median\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#222\" stroke-width=\"2\"/>\n",
			cx - bw / 2, ymed, cx + bw / 2, ymed);
		if (b->min < b->whisker_lo)
			fprintf(f, "<circle class=\"extreme\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"none\" stroke=\"%s\"/>\n",
				cx, ymap(&a, b->min, y0, y0 + h), c);
		if (b->max > b->whisker_hi)
			fprintf(f, "<circle class=\"extreme\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"none\" stroke=\"%s\"/>\n",
				cx, ymap(&a, b->max, y0, y0 + h), c);
	}
}

int svg_plot_boxes(const char *path, const char *title, const struct svg_box_panel *panels,
		   size_t n_panels, const char *const *labels, size_t n_boxes)
{
	if (!path || !panels || !labels || n_panels == 0 || n_boxes == 0)
		return -EINVAL;
	for (size_t i = 0; i < n_panels; i++)
		if (!panels[i].box)
			return -EINVAL;
	size_t lmax = 1;
	for (size_t i = 0; i < n_boxes; i++) {
		size_t c = text_chars(labels[i]);
		c = c < 16 ? c : 16; /* class names are cut shorter than features */
		lmax = c > lmax ? c : lmax;
	}
	double pw = fmax(230.0, n_boxes * 46.0 + 74), ph = 200;
	int rotate = lmax * CHAR_W * FONT > (pw - 74) / n_boxes - 4;
	double below = rotate ? lmax * CHAR_W * FONT * 0.6 + 24 : FONT + 22;
	double panel_h = 30 + ph + below + 10;
	size_t per_row = n_panels < 3 ? n_panels : 3, rows = (n_panels + per_row - 1) / per_row;
	double w = fmax(per_row * pw + 20, 400), h = 44 + rows * panel_h + 26; /* 400: the note */
	FILE *f = svg_begin(path, w, h, title);

	if (!f)
		return open_err();
	for (size_t i = 0; i < n_panels; i++)
		box_panel(f, &panels[i], labels, n_boxes, 10 + (i % per_row) * pw, 44 + (i / per_row) * panel_h,
			  pw, ph, rotate);
	text(f, 12, h - 10, FONT - 2, "start", "class=\"note\" fill=\"#666\"",
	     "box: Q1-Q3; line: median; whiskers: 1.5 IQR; circles: min, max", 0);
	return svg_end(f, path);
}
