//! The part of the interaction log held in memory: a contiguous run of the
//! view's entries (the screen and a margin either side), the selection in
//! it, and the page being fetched. Pure: moving says which page to fetch;
//! the page's arrival splices it in. Entries are addressed by their keyset
//! key, never by position in the log, so entries that arrive while someone
//! reads do not move what they are looking at.

use crate::app::log::LogView;
use crate::store::{EntryKey, EntryRow, Seek};

/// Rows fetched per page.
pub const FETCH: usize = 100;
/// At most this many rows are held; the far end is dropped beyond it.
pub const HOLD: usize = 4 * FETCH;

/// Which page is being fetched, and where it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadKind {
    /// Replace everything: the newest of the view.
    Newest,
    /// Replace everything: the oldest of the view.
    Oldest,
    /// Append older rows below.
    Older,
    /// Prepend newer rows above.
    Newer,
    /// Read the held rows again in place (the database changed).
    Refresh,
}

/// Asks the runtime for one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub generation: u64,
    pub kind: LoadKind,
    pub view: LogView,
    pub seek: Seek,
    pub limit: usize,
    /// A refresh also counts the view's entries newer than this (and than
    /// the page's first row).
    pub count_newer_than: Option<EntryKey>,
}

/// Where the selection goes once the page is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Then {
    /// The same entries stay on screen (scrolled away from the top).
    Stay,
    /// The top of the log stays on screen, new entries appear above the
    /// selected one (at the top, following the log).
    Follow,
    First,
    Last,
}

#[derive(Debug, Clone, Default)]
pub struct LogWindow {
    pub view: LogView,
    /// Newest first.
    pub rows: Vec<EntryRow>,
    pub sel: usize,
    /// The first row on screen.
    pub top: usize,
    /// `rows[0]` is the newest entry of the view.
    pub at_newest: bool,
    /// The last row is the oldest entry of the view.
    pub at_oldest: bool,
    /// Entries newer than both the first held one and [`Self::seen`], not
    /// held (counted by a refresh).
    pub newer: usize,
    /// The newest entry that was on screen at the top of the log: what
    /// arrives after it is new to the reader until it scrolls into view.
    seen: Option<EntryKey>,
    pub loading: Option<LoadKind>,
    then: Option<Then>,
    /// Bumped when the view changes; pages for an older view are dropped.
    pub generation: u64,
    pub loaded_once: bool,
    pub error: Option<String>,
    /// Entries the search finds, counted up to [`HITS_COUNTED`] (a view
    /// with a search, read from its newest entry).
    pub hits: Option<usize>,
    /// Keystrokes typed into the search prompt: a search runs for the last
    /// one only, once typing pauses.
    pub keystrokes: u64,
    /// The view before the search prompt opened (Esc goes back to it).
    pub before_search: Option<LogView>,
}

/// A search's hits are counted up to this.
pub const HITS_COUNTED: usize = 1000;

impl LogWindow {
    fn request(&mut self, kind: LoadKind, seek: Seek, limit: usize) -> Option<PageRequest> {
        if self.loading.is_some() && !matches!(kind, LoadKind::Newest | LoadKind::Oldest) {
            return None;
        }
        self.loading = Some(kind);
        Some(PageRequest {
            generation: self.generation,
            kind,
            view: self.view.clone(),
            seek,
            limit,
            count_newer_than: None,
        })
    }

    /// A new view (filters, search): start again at its newest entry.
    pub fn set_view(&mut self, view: LogView) -> Option<PageRequest> {
        self.view = view;
        self.generation += 1;
        self.then = Some(Then::First);
        self.newer = 0;
        self.request(LoadKind::Newest, Seek::Newest, FETCH)
    }

    /// The first load, or the same view from its newest entry again.
    pub fn reload_newest(&mut self) -> Option<PageRequest> {
        self.generation += 1;
        self.then = Some(Then::First);
        self.newer = 0;
        self.request(LoadKind::Newest, Seek::Newest, FETCH)
    }

    pub fn selected(&self) -> Option<&EntryRow> {
        self.rows.get(self.sel)
    }

    /// Moves the selection by `delta` rows (negative: newer) and keeps it on
    /// screen; asks for the next page when it comes within a screen of the
    /// end of what is held.
    pub fn step(&mut self, delta: isize, visible: usize) -> Option<PageRequest> {
        if self.rows.is_empty() {
            return None;
        }
        let last = self.rows.len() - 1;
        let want = self.sel as isize + delta;
        self.sel = want.clamp(0, last as isize) as usize;
        self.scroll_into_view(visible);
        self.prefetch(visible)
    }

    /// `g`: the newest entry.
    pub fn first(&mut self, visible: usize) -> Option<PageRequest> {
        if self.at_newest {
            self.sel = 0;
            self.scroll_into_view(visible);
            return None;
        }
        self.newer = 0;
        self.then = Some(Then::First);
        self.request(LoadKind::Newest, Seek::Newest, FETCH)
    }

    /// `G`: the oldest entry.
    pub fn last(&mut self, visible: usize) -> Option<PageRequest> {
        if self.at_oldest {
            self.sel = self.rows.len().saturating_sub(1);
            self.scroll_into_view(visible);
            return None;
        }
        self.then = Some(Then::Last);
        self.request(LoadKind::Oldest, Seek::Oldest, FETCH)
    }

    /// The database changed. At the top of the log the window follows it:
    /// the newest entries are read again and what arrived shows above the
    /// selected entry. Scrolled away, the held rows are read again where
    /// they are (nothing on screen moves) and what arrived above is counted.
    pub fn refresh(&mut self) -> Option<PageRequest> {
        let Some(first) = self.rows.first() else {
            return self.reload_newest();
        };
        let limit = self.rows.len().max(FETCH);
        let (seek, then) = if self.following() {
            (Seek::Newest, Then::Follow)
        } else {
            (Seek::AtOrOlder(first.key()), Then::Stay)
        };
        let count_from = match &self.seen {
            Some(seen) if *seen > first.key() => seen.clone(),
            _ => first.key(),
        };
        let mut req = self.request(LoadKind::Refresh, seek, limit)?;
        self.then = Some(then);
        req.count_newer_than = Some(count_from);
        Some(req)
    }

    /// The top of the log is on screen.
    pub fn following(&self) -> bool {
        self.top == 0 && self.at_newest
    }

    /// Entries that arrived since the reader last saw the top of the log
    /// and are not on screen: held above it, or not held at all.
    pub fn unseen(&self) -> usize {
        let above = match &self.seen {
            Some(seen) => self.rows[..self.top.min(self.rows.len())]
                .iter()
                .take_while(|r| r.key() > *seen)
                .count(),
            None => 0,
        };
        above + self.newer
    }

    /// What is on screen at the top has been seen.
    fn mark_seen(&mut self) {
        if self.top == 0
            && let Some(first) = self.rows.first()
            && self.seen.as_ref().is_none_or(|s| first.key() > *s)
        {
            self.seen = Some(first.key());
        }
    }

    fn scroll_into_view(&mut self, visible: usize) {
        let visible = visible.max(1);
        if self.sel < self.top {
            self.top = self.sel;
        } else if self.sel >= self.top + visible {
            self.top = self.sel + 1 - visible;
        }
        self.top = self.top.min(self.rows.len().saturating_sub(1));
        self.mark_seen();
    }

    fn prefetch(&mut self, visible: usize) -> Option<PageRequest> {
        if self.loading.is_some() {
            return None;
        }
        if !self.at_oldest
            && self.rows.len() - self.sel <= visible * 2
            && let Some(last) = self.rows.last()
        {
            let seek = Seek::OlderThan(last.key());
            return self.request(LoadKind::Older, seek, FETCH);
        }
        if !self.at_newest
            && self.sel <= visible
            && let Some(first) = self.rows.first()
        {
            let seek = Seek::NewerThan(first.key());
            return self.request(LoadKind::Newer, seek, FETCH);
        }
        None
    }

    /// A page arrived. Returns the next page to ask for, if the selection
    /// is still near an end.
    pub fn arrived(
        &mut self,
        generation: u64,
        kind: LoadKind,
        result: Result<(Vec<EntryRow>, usize), String>,
        visible: usize,
    ) -> Option<PageRequest> {
        if generation != self.generation {
            return None;
        }
        self.loading = None;
        self.loaded_once = true;
        let (page, newer) = match result {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e);
                return None;
            }
        };
        self.error = None;
        let full = page.len() >= FETCH;
        match kind {
            LoadKind::Newest => {
                self.rows = page;
                self.at_newest = true;
                self.at_oldest = !full;
                self.newer = 0;
                self.hits = self.view.search.is_some().then_some(newer);
            }
            LoadKind::Oldest => {
                self.rows = page;
                self.at_oldest = true;
                self.at_newest = !full;
            }
            LoadKind::Older => {
                self.at_oldest = !full;
                self.rows.extend(page);
                if self.rows.len() > HOLD {
                    let drop = self.rows.len() - HOLD;
                    self.rows.drain(..drop);
                    self.sel = self.sel.saturating_sub(drop);
                    self.top = self.top.saturating_sub(drop);
                    self.at_newest = false;
                }
            }
            LoadKind::Newer => {
                self.at_newest = !full;
                let added = page.len();
                // What was counted as not held is held now.
                let counted = match &self.seen {
                    Some(seen) => page.iter().filter(|r| r.key() > *seen).count(),
                    None => 0,
                };
                self.newer = self.newer.saturating_sub(counted);
                self.rows.splice(0..0, page);
                self.sel += added;
                self.top += added;
                if self.rows.len() > HOLD {
                    self.rows.truncate(HOLD);
                    self.at_oldest = false;
                }
                if self.at_newest {
                    self.newer = 0;
                }
            }
            LoadKind::Refresh => {
                // Keep the selected entry selected, wherever it is now.
                let sel_key = self.selected().map(EntryRow::key);
                let held = self.rows.len();
                self.at_oldest = page.len() < held.max(FETCH);
                self.rows = page;
                if let Some(k) = sel_key
                    && let Some(i) = self.rows.iter().position(|r| r.key() == k)
                {
                    let shift = i as isize - self.sel as isize;
                    self.sel = i;
                    self.top = (self.top as isize + shift).max(0) as usize;
                }
                if self.then == Some(Then::Follow) {
                    self.top = 0;
                    self.at_newest = true;
                    self.newer = 0;
                } else {
                    self.newer = newer;
                    self.at_newest = newer == 0 && self.at_newest;
                }
            }
        }
        match self.then.take() {
            Some(Then::First) => {
                self.sel = 0;
                self.top = 0;
            }
            Some(Then::Last) => {
                self.sel = self.rows.len().saturating_sub(1);
                self.top = self.rows.len().saturating_sub(visible.max(1));
            }
            _ => {}
        }
        self.sel = self.sel.min(self.rows.len().saturating_sub(1));
        self.scroll_into_view(visible);
        self.prefetch(visible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: i64) -> EntryRow {
        EntryRow {
            entry_no: n,
            datetime: String::new(),
            direction: "inbound".into(),
            initiated_by: "them".into(),
            salesperson_code: "SP".into(),
            contact_no: "CT".into(),
            contact_company: "Co".into(),
            subject: format!("s{n}"),
            internet_message_id: String::new(),
            conversation_id: String::new(),
            web_link: String::new(),
            template_code: String::new(),
            correspondence_type: String::new(),
            account: String::new(),
            opportunity_no: None,
            matched_by_domain: false,
            contact_name: String::new(),
            salesperson_name: String::new(),
            occurred_at: format!("2024-01-01T00:00:{:02}.000Z", n % 60),
            logged_message_id: n,
            mailbox: String::new(),
            mailbox_no: 1,
            private: false,
        }
    }

    /// Entries `from` down to `from - n + 1`, newest first.
    fn page(from: i64, n: usize) -> Vec<EntryRow> {
        (0..n as i64).map(|i| row(from - i)).collect()
    }

    #[test]
    fn scrolling_fetches_ahead_drops_far_rows_and_keeps_the_selection() {
        let mut w = LogWindow::default();
        let r = w.reload_newest().expect("first page");
        assert_eq!(r.seek, Seek::Newest);
        assert!(
            w.arrived(
                r.generation,
                LoadKind::Newest,
                Ok((page(10_000, FETCH), 0)),
                20
            )
            .is_none()
        );
        assert!(w.at_newest && !w.at_oldest);
        // Down to within two screens of the end: the next page is asked for.
        let mut asked = None;
        for _ in 0..FETCH {
            if let Some(r) = w.step(1, 20) {
                asked = Some(r);
                break;
            }
        }
        let r = asked.expect("a page ahead");
        assert_eq!(r.kind, LoadKind::Older);
        assert_eq!(
            r.seek,
            Seek::OlderThan(row(10_000 - FETCH as i64 + 1).key())
        );
        let selected = w.selected().unwrap().entry_no;
        // Only one request at a time.
        assert!(w.step(1, 20).is_none());
        let selected_after = w.selected().unwrap().entry_no;
        w.arrived(
            r.generation,
            LoadKind::Older,
            Ok((page(10_000 - FETCH as i64, FETCH), 0)),
            20,
        );
        assert_eq!(w.selected().unwrap().entry_no, selected_after);
        assert_ne!(selected, 0);
        // Keep going: held rows never pass HOLD, the selection stays put.
        let mut next = 10_000 - 2 * FETCH as i64;
        for _ in 0..2000 {
            if let Some(r) = w.step(1, 20) {
                let sel = w.selected().unwrap().entry_no;
                w.arrived(r.generation, r.kind, Ok((page(next, FETCH), 0)), 20);
                next -= FETCH as i64;
                assert_eq!(w.selected().unwrap().entry_no, sel, "no jump on arrival");
            }
            assert!(w.rows.len() <= HOLD);
            assert!(w.sel >= w.top && w.sel < w.top + 20);
        }
        assert!(!w.at_newest, "the newest rows were dropped");
    }

    #[test]
    fn new_entries_do_not_move_the_view_and_a_stale_page_is_dropped() {
        let mut w = LogWindow::default();
        let r = w.reload_newest().unwrap();
        w.arrived(
            r.generation,
            LoadKind::Newest,
            Ok((page(500, FETCH), 0)),
            20,
        );
        // Scrolled away from the top.
        w.step(30, 20);
        let (looking_at, top) = (w.selected().unwrap().entry_no, w.top);
        assert!(top > 0);
        let r = w.refresh().unwrap();
        assert_eq!(r.seek, Seek::AtOrOlder(row(500).key()));
        assert_eq!(r.count_newer_than, Some(row(500).key()));
        // Three entries arrived above: counted, not shown, nothing moves.
        w.arrived(
            r.generation,
            LoadKind::Refresh,
            Ok((page(500, FETCH), 3)),
            20,
        );
        assert_eq!(w.selected().unwrap().entry_no, looking_at);
        assert_eq!(w.top, top, "the same rows stay on screen");
        assert_eq!((w.unseen(), w.at_newest), (3, false));
        // A page for a view since replaced is ignored.
        let old = w.generation;
        let r = w.set_view(LogView {
            search: Some("x".into()),
            ..Default::default()
        });
        assert!(r.is_some());
        assert!(
            w.arrived(old, LoadKind::Older, Ok((page(1, 1), 0)), 20)
                .is_none()
        );
        assert_eq!(w.rows.len(), FETCH, "stale page not spliced in");
    }

    /// Loads `n` entries up to `newest` and selects the `sel`th.
    fn loaded(newest: i64, n: usize, sel: isize) -> LogWindow {
        let mut w = LogWindow::default();
        let r = w.reload_newest().unwrap();
        w.arrived(r.generation, LoadKind::Newest, Ok((page(newest, n), 0)), 20);
        w.step(sel, 20);
        w
    }

    #[test]
    fn at_the_top_new_entries_appear_above_the_selected_one() {
        let mut w = loaded(500, FETCH, 3);
        assert!(w.following());
        let r = w.refresh().expect("a refresh");
        assert_eq!((r.kind, &r.seek), (LoadKind::Refresh, &Seek::Newest));
        // Two entries were logged: the newest page now starts with them.
        w.arrived(r.generation, r.kind, Ok((page(502, FETCH), 0)), 20);
        let shown: Vec<i64> = w.rows[w.top..w.top + 3]
            .iter()
            .map(|r| r.entry_no)
            .collect();
        assert_eq!(shown, vec![502, 501, 500], "on screen at once");
        assert_eq!(
            w.selected().unwrap().entry_no,
            497,
            "the same entry stays selected"
        );
        assert_eq!(w.unseen(), 0, "nothing new is off screen");
        assert!(w.following(), "and the window goes on following");
        // `g` then selects the newest without a fetch.
        assert!(w.first(20).is_none());
        assert_eq!(w.selected().unwrap().entry_no, 502);
    }

    #[test]
    fn scrolled_away_new_entries_are_counted_until_scrolled_into_view() {
        let mut w = loaded(500, FETCH, 40);
        let (top, sel) = (w.top, w.selected().unwrap().entry_no);
        assert!(!w.following());
        let r = w.refresh().unwrap();
        assert_eq!(r.seek, Seek::AtOrOlder(row(500).key()));
        w.arrived(r.generation, r.kind, Ok((page(500, FETCH), 4)), 20);
        assert_eq!((w.top, w.selected().unwrap().entry_no), (top, sel));
        assert_eq!(w.unseen(), 4);
        // Back up the list: the four are fetched and held above the screen,
        // still counted until they are on it.
        let mut fetched = false;
        while w.selected().unwrap().entry_no != 500 {
            if let Some(r) = w.step(-1, 20) {
                assert_eq!(r.kind, LoadKind::Newer);
                w.arrived(r.generation, r.kind, Ok((page(504, 4), 0)), 20);
                fetched = true;
            }
            if w.top > 4 {
                assert_eq!(w.unseen(), 4, "not seen yet at top {}", w.top);
            }
        }
        assert!(fetched);
        assert_eq!(w.unseen(), w.top, "one per row still above the screen");
        w.step(-10, 20);
        assert_eq!((w.top, w.unseen()), (0, 0), "all seen at the top");
        assert!(w.following());
    }

    #[test]
    fn jumping_to_the_oldest_and_back() {
        let mut w = LogWindow::default();
        let r = w.reload_newest().unwrap();
        w.arrived(
            r.generation,
            LoadKind::Newest,
            Ok((page(5000, FETCH), 0)),
            20,
        );
        let r = w.last(20).expect("the oldest page");
        assert_eq!(r.seek, Seek::Oldest);
        w.arrived(
            r.generation,
            LoadKind::Oldest,
            Ok((page(FETCH as i64, FETCH), 0)),
            20,
        );
        assert_eq!(w.selected().unwrap().entry_no, 1);
        assert!(w.at_oldest && !w.at_newest);
        let r = w.first(20).expect("the newest page");
        w.arrived(
            r.generation,
            LoadKind::Newest,
            Ok((page(5000, FETCH), 0)),
            20,
        );
        assert_eq!(w.selected().unwrap().entry_no, 5000);
        // Everything fits: jumps need no fetch.
        let mut small = LogWindow::default();
        let r = small.reload_newest().unwrap();
        small.arrived(r.generation, LoadKind::Newest, Ok((page(7, 7), 0)), 20);
        assert!(small.last(20).is_none());
        assert_eq!(small.selected().unwrap().entry_no, 1);
    }
}
