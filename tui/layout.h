/* layout: the screen's regions by name, computed from LINES and COLS. Every view has its title
 * bar on the first row and the status line (a message, or the key hints) on the last; under
 * the title bar come the view's own heading rows (the queue's column names; the alert's
 * summary, reason and tab bar), then its body down to the status line. Views ask here for
 * rows and widths: none does arithmetic on LINES or COLS. */
#ifndef CASEBOOK_LAYOUT_H
#define CASEBOOK_LAYOUT_H

/* The rows over each view's body, its title bar counted. */
enum layout_head {
	HEAD_TITLE = 1,     /* the title bar alone: the pager, JSON, field table, event browser, tree */
	HEAD_QUEUE = 2,     /* the title bar and the columns' names */
	HEAD_EXCEPTION = 2, /* the title bar and the conditions so far */
	HEAD_ALERT = 4,     /* the rule and status, severity and host, the reason, the tab bar */
	HEAD_TIMELINE = 7,  /* the alert's, then the window's heading and the histogram's two rows */
};

#define LAYOUT_TITLE_ROW 0

/* A rectangle of the screen: its first row and column, its rows and columns. */
struct region {
	int top, left, height, width;
};

int layout_rows(void); /* the screen's rows */
int layout_cols(void); /* its columns */
/* The last row: the message, or the key hints. */
int layout_status_row(void);
/* The whole screen. */
struct region layout_screen(void);
/* The body under head rows and over the status line, the full width; at least one row. */
struct region layout_body(int head);
/* r less dy rows at its top and bottom and dx columns at each side (not clamped). */
struct region region_inset(struct region r, int dy, int dx);
/* The rows a page of body moves: overlap rows fewer than it shows, kept for context; at least one. */
int layout_page(struct region body, int overlap);
/* The columns from column x to the right edge. */
int layout_width_from(int x);
/* The column where text width columns wide starts to end on the right edge. */
int layout_right(int width);

#endif
