//! The interaction log's search as a dialog of its own: the log follows
//! what is typed once typing pauses, the prompt says what it finds, Enter
//! keeps it and Esc goes back to the log as it was.

use tui_input::Input;

use crate::domain::search::terms;
use crate::tui::msg::Effect;
use crate::tui::state::{Overlay, PromptFor, UiState};

use super::log::{SEARCH_PAUSE_MS, non_empty};

impl UiState {
    /// `/` on the log: search subject and body; the log follows as you
    /// type (once typing pauses), Enter keeps it, Esc goes back.
    pub(crate) fn open_search(&mut self) {
        let current = self.log.view.search.clone().unwrap_or_default();
        self.log.before_search = Some(self.log.view.clone());
        self.prompt(PromptFor::Search, &current);
    }

    /// A key typed into the search prompt: the search runs when typing
    /// pauses for [`SEARCH_PAUSE_MS`].
    pub(crate) fn search_typed(&mut self) -> Vec<Effect> {
        let Some(Overlay::Prompt {
            purpose: PromptFor::Search,
            ..
        }) = &self.overlay
        else {
            return Vec::new();
        };
        self.log.keystrokes += 1;
        vec![Effect::After {
            ms: SEARCH_PAUSE_MS,
            due: self.log.keystrokes,
        }]
    }

    /// Typing paused: the log shows what the words typed now find.
    pub(crate) fn search_due(&mut self, keystroke: u64) -> Vec<Effect> {
        if keystroke != self.log.keystrokes {
            return Vec::new();
        }
        let Some(Overlay::Prompt {
            purpose: PromptFor::Search,
            input,
            error,
        }) = &mut self.overlay
        else {
            return Vec::new();
        };
        let text = input.value().trim().to_string();
        if !text.is_empty() && terms(&text).is_empty() {
            *error = Some("search for words: letters or digits".into());
            return Vec::new();
        }
        if self.log.view.search.as_deref().unwrap_or("") == text {
            return Vec::new();
        }
        let mut view = self.log.view.clone();
        view.search = non_empty(&text);
        self.set_log_view(view)
    }

    /// Esc in the search prompt: the log as it was before it opened.
    pub(crate) fn search_cancelled(&mut self) -> Vec<Effect> {
        match self.log.before_search.take() {
            Some(before) if before != self.log.view => self.set_log_view(before),
            _ => Vec::new(),
        }
    }

    pub(crate) fn submit_search(&mut self, text: String) -> Vec<Effect> {
        self.log.before_search = None;
        if !text.is_empty() && terms(&text).is_empty() {
            self.overlay = Some(Overlay::Prompt {
                purpose: PromptFor::Search,
                input: Input::new(text),
                error: Some("search for words: letters or digits".into()),
            });
            return Vec::new();
        }
        let mut view = self.log.view.clone();
        view.search = non_empty(&text);
        self.set_log_view(view)
    }
}
