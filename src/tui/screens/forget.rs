//! Forgetting a person from their contact card (`X`, the admin's): what
//! would go is counted first (a dry run that changes nothing) and shown in
//! the question; only a yes forgets them. The update half of it; the
//! question is the common confirm dialog.

use crate::app::forget::ForgetReport;
use crate::app::overview::Role;
use crate::tui::lists::ListsKind;
use crate::tui::msg::Effect;
use crate::tui::state::{Level, Overlay, Pending, UiState, sanitize};

impl UiState {
    /// `X` on a contact card: count what forgetting them would remove.
    pub(crate) fn ask_forget(&mut self) -> Vec<Effect> {
        if self.role != Role::Admin {
            self.say(Level::Info, "forgetting a person is the admin's");
            return Vec::new();
        }
        let Some(Overlay::ContactCard { no, .. }) = &self.overlay else {
            return Vec::new();
        };
        let no = no.clone();
        self.start("counting what forgetting them removes (nothing is changed)");
        vec![Effect::LoadLists(ListsKind::ForgetCheck(no))]
    }

    /// The dry run's counts: the question, every count in it.
    pub(crate) fn forget_checked(&mut self, no: String, r: ForgetReport) {
        self.working = None;
        let c = &r.counts;
        self.overlay = Some(Overlay::Confirm {
            question: format!(
                "Forget {} for good? Removes {} contact, {} entries, {} messages, {} skipped; {} shared messages lose body and them; {} mailbox copies deleted. Their mail is skipped from now on. Cannot be undone.",
                sanitize(&no),
                c.contacts,
                c.entries,
                c.messages_removed,
                c.skipped,
                c.messages_kept_without_them,
                c.mailbox_deletions
            ),
            pending: Pending::Forget(no),
        });
    }
}
