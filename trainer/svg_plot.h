/* A small SVG chart writer: a heatmap, horizontal bars, a scree plot and
 * box plots, each to a file, with no plotting library.
 *
 * Output is standalone SVG 1.1 (UTF-8), sans-serif text, every label
 * XML-escaped (invalid UTF-8 and control bytes become '?'), long labels
 * cut with an ellipsis and kept whole in a <title> tooltip. Each plotted
 * mark carries a class ("cell", "bar", "box", ...) so a test or a
 * stylesheet can find it. Non-finite values are drawn as missing (a
 * grey cell, no bar), never written as numbers. Every function writes
 * path whole or removes it, and returns 0, -EINVAL (bad arguments) or
 * the negative errno of the failed open/write/close. Thread-safe. */
#ifndef SVG_PLOT_H
#define SVG_PLOT_H

#include <stddef.h>

/* n x n values v (row-major) on a diverging blue-white-red scale from vmin
 * to vmax (white at the middle), labels on both axes, a colour bar titled
 * scale_label (may be NULL); cell values are written in the cells when
 * n <= 16. */
int svg_plot_heatmap(const char *path, const char *title, const char *scale_label,
		     const char *const *labels, size_t n, const double *v, double vmin, double vmax);

/* One horizontal bar per value, in the given order from the top; the axis
 * starts at 0 (negative values draw leftwards). */
int svg_plot_hbars(const char *path, const char *title, const char *xlabel,
		   const char *const *labels, const double *v, size_t n);

/* Explained variance ratios ratio[n] (0..1) of components 1..n as bars,
 * their cumulative sum as a line, dashed guides at 90% and 95%. */
int svg_plot_scree(const char *path, const char *title, const double *ratio, size_t n);

struct svg_box {
	size_t n;               /* values behind it; 0: drawn as "no data" */
	double whisker_lo, q1, median, q3, whisker_hi;
	double min, max;        /* marked with a dot when beyond a whisker */
};

struct svg_box_panel {
	const char *title;      /* e.g. the feature */
	const struct svg_box *box; /* one per label */
};

/* Panels side by side (up to 3 per row), each with its own y axis and one
 * box per label of labels[n_boxes] (e.g. the classes). */
int svg_plot_boxes(const char *path, const char *title, const struct svg_box_panel *panels,
		   size_t n_panels, const char *const *labels, size_t n_boxes);

#endif
