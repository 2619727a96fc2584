//! What actions and typed keys do while a dialog or overlay is open: the
//! confirm question, the field editor, a one-line prompt, the palette, the
//! sign-in and validation dialogs, a form.

use ratatui::crossterm::event::KeyEvent;
use tui_input::Input;

use crate::app::setup_fields::{self, Checked, FieldKey};
use crate::domain::setup::AuthFlow;

use super::super::keymap;
use super::{
    About, Action, Effect, FormFor, Level, Overlay, Pending, PromptFor, SignInStage, UiState,
    WIZARD_STEPS,
};

/// An overlay's list of entries (`None` while it is read) and its choice.
type EntryList<'a> = Option<(Option<&'a [crate::store::EntryRow]>, &'a mut usize)>;

impl UiState {
    /// Keys in an overlay's list of entries (an opportunity's, a contact's
    /// timeline): up and down choose, Enter opens the chosen entry's
    /// message (Esc there comes back), Esc closes the overlay.
    pub(crate) fn act_entry_list(
        &mut self,
        a: Action,
        list: fn(&mut Overlay) -> EntryList<'_>,
    ) -> Vec<Effect> {
        let Some((entries, sel)) = self.overlay.as_mut().and_then(list) else {
            return Vec::new();
        };
        let n = entries.map_or(0, <[_]>::len);
        match a {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(n.saturating_sub(1)),
            Action::Open => {
                if let Some(no) = entries.and_then(|e| e.get(*sel)).map(|e| e.entry_no) {
                    return self.open_message(no);
                }
            }
            Action::Back => self.overlay = None,
            _ => {}
        }
        Vec::new()
    }

    /// An action while an overlay is open: moves change it in place; what
    /// ends it (a choice, a save, Esc) closes it and acts; anything else
    /// leaves it as it is.
    pub(crate) fn act_in_overlay(&mut self, a: Action) -> Vec<Effect> {
        match &self.overlay {
            Some(Overlay::Message(_)) => return self.act_message(a),
            Some(Overlay::Form { .. }) => return self.act_form(a),
            Some(Overlay::Opportunity { .. }) => return self.act_opportunity_detail(a),
            Some(Overlay::ContactCard { .. }) => return self.act_contact_card(a),
            Some(Overlay::ImportPreview { .. }) => return self.act_import_preview(a),
            Some(Overlay::NeverLog { .. }) => return self.act_never_log(a),
            Some(Overlay::Audit(_)) => return self.act_audit(a),
            Some(Overlay::Capture { .. }) => return self.act_capture(a),
            Some(Overlay::FolderPicker(_)) => return self.act_folder_picker(a),
            Some(Overlay::Attachments { .. }) => return self.act_attachments(a),
            _ => {}
        }
        let palette_len = match &self.overlay {
            Some(Overlay::Palette { input, .. }) => self.palette_matches(input.value()).len(),
            _ => 0,
        };
        let Some(overlay) = self.overlay.as_mut() else {
            return Vec::new();
        };
        let closes = match (&mut *overlay, a) {
            (Overlay::Palette { selected, .. } | Overlay::Wizard { selected }, Action::Up) => {
                *selected = selected.saturating_sub(1);
                false
            }
            (Overlay::Palette { selected, .. }, Action::Down) => {
                *selected = (*selected + 1).min(palette_len.saturating_sub(1));
                false
            }
            (Overlay::Wizard { selected }, Action::Down) => {
                *selected = (*selected + 1).min(WIZARD_STEPS.len() - 1);
                false
            }
            // Counted in lines up from the bottom.
            (Overlay::Validate { checks, scroll, .. }, Action::Up) => {
                *scroll = (*scroll + 1).min(checks.len() * 2);
                false
            }
            (Overlay::Validate { scroll, .. }, Action::Down) => {
                *scroll = scroll.saturating_sub(1);
                false
            }
            (Overlay::Help | Overlay::RunDetail { .. }, _) => true,
            (Overlay::Confirm { .. }, a) => matches!(a, Action::Yes | Action::No),
            // Enter saves only what is valid; otherwise the editor stays.
            (Overlay::Edit { check, .. }, Action::Open) => !matches!(check, Checked::Invalid(_)),
            (Overlay::Palette { selected, .. }, Action::Open) => *selected < palette_len,
            (Overlay::SignIn { stage, .. }, Action::Open) => {
                matches!(stage, SignInStage::Done(_) | SignInStage::Failed(_))
            }
            (Overlay::Prompt { .. } | Overlay::Wizard { .. }, Action::Open) => true,
            (_, Action::Back) => true,
            _ => false,
        };
        if !closes {
            return Vec::new();
        }
        let Some(overlay) = self.overlay.take() else {
            return Vec::new();
        };
        match (overlay, a) {
            (Overlay::Confirm { pending, .. }, Action::Yes) => match pending {
                Pending::Save { key, text } => {
                    self.start("saving");
                    vec![Effect::SaveField { key, text }]
                }
                Pending::Disable => {
                    self.start("disabling");
                    vec![Effect::Disable]
                }
                Pending::Quit => {
                    self.quitting = true;
                    vec![Effect::Quit]
                }
                Pending::DeleteSkipped(ids) => {
                    self.lists.marked.clear();
                    self.start_about("asking the engine to delete", About::Requests);
                    vec![Effect::RequestReview {
                        ids,
                        action: crate::store::ReviewAction::Delete,
                    }]
                }
                Pending::NeverLog(pattern) => {
                    self.start("adding to the never-log list");
                    vec![Effect::NeverLog(pattern)]
                }
                Pending::NeverLogRemove(pattern) => {
                    self.start("taking it off the never-log list");
                    vec![Effect::NeverLogRemove(pattern)]
                }
                Pending::Forget(no) => {
                    self.start("forgetting them");
                    vec![Effect::Forget(no)]
                }
                Pending::CaptureSet(target, level) => {
                    self.start("setting the capture level");
                    vec![Effect::CaptureSet(target, level)]
                }
                Pending::RunHeld => vec![Effect::RunNow],
                Pending::ImportGood(p) => {
                    self.start("importing the good rows");
                    vec![Effect::ApplyImport(p)]
                }
                Pending::DismissFollowUp {
                    entry_no,
                    latest_at,
                } => {
                    self.start("dismissing the follow-up");
                    vec![Effect::DismissFollowUp {
                        entry_no,
                        latest_at,
                    }]
                }
            },
            (Overlay::Edit { key, input, .. }, Action::Open) => {
                let Some(setup) = self.overview.as_ref().map(|o| o.setup.clone()) else {
                    return Vec::new();
                };
                self.save_or_confirm(&setup, key, input.value().to_string())
            }
            (Overlay::Prompt { purpose, input, .. }, Action::Open) => {
                self.submit_prompt(purpose, input)
            }
            (
                Overlay::Prompt {
                    purpose: PromptFor::Search,
                    ..
                },
                Action::Back,
            ) => self.search_cancelled(),
            (Overlay::Palette { input, selected }, Action::Open) => {
                match self.palette_matches(input.value()).get(selected) {
                    Some(c) => self.run_command(*c),
                    None => Vec::new(),
                }
            }
            (Overlay::Help | Overlay::Palette { .. }, _) => {
                // Back to the overlay they were opened over.
                self.overlay = self.under.take().map(|b| *b);
                Vec::new()
            }
            (Overlay::Wizard { selected }, Action::Open) => self.wizard_step(selected),
            (
                Overlay::SignIn {
                    stage: SignInStage::Starting | SignInStage::Prompt(_),
                    ..
                },
                Action::Back,
            ) => {
                self.say(Level::Info, "sign-in cancelled");
                vec![Effect::Cancel]
            }
            (Overlay::Validate { running: true, .. }, Action::Back) => vec![Effect::Cancel],
            _ => Vec::new(),
        }
    }

    /// Keys in a form: move between fields, save when every one is valid.
    pub(crate) fn act_form(&mut self, a: Action) -> Vec<Effect> {
        let Some(Overlay::Form { form, .. }) = &mut self.overlay else {
            return Vec::new();
        };
        match a {
            Action::NextField => form.next(),
            Action::PrevField => form.prev(),
            Action::Down if !form.move_pick(true) => form.next(),
            Action::Up if !form.move_pick(false) => form.prev(),
            Action::Back => self.overlay = None,
            // A choice shown: Enter takes it (the next Enter saves).
            Action::Open if form.take_pick() => {}
            Action::Open => {
                let Some(values) = form.values() else {
                    let e = form.fields[form.focus].error().unwrap_or_default();
                    let label = form.fields[form.focus].label;
                    self.say_about(Level::Error, format!("{label}: {e}"), About::Form);
                    return Vec::new();
                };
                if let Some(Overlay::Form { purpose, .. }) = self.overlay.take() {
                    if let FormFor::SetupField(key) = purpose {
                        return self.submit_setup_field(key, values);
                    }
                    return self.submit_log_form(purpose, values);
                }
            }
            _ => {}
        }
        Vec::new()
    }

    /// The palette's actions matching the typed text.
    pub fn palette_matches(&self, typed: &str) -> Vec<keymap::Command> {
        let t = typed.to_lowercase();
        let message_open = matches!(self.under.as_deref(), Some(Overlay::Message(_)));
        keymap::commands(message_open, self.screen, self.role)
            .into_iter()
            .filter(|c| {
                let b = c.binding;
                b.help.to_lowercase().contains(&t) || b.label.to_lowercase().contains(&t)
            })
            .collect()
    }

    /// Opens the help or the palette over the overlay that is open (the
    /// message view), which comes back when they close.
    pub(crate) fn open_over(&mut self, top: Overlay) {
        self.under = self.overlay.take().map(Box::new);
        self.overlay = Some(top);
    }

    /// Runs a command the palette chose: on the message it was opened over,
    /// or on its screen (switching to it).
    fn run_command(&mut self, c: keymap::Command) -> Vec<Effect> {
        let under = self.under.take();
        match c.on {
            keymap::RunsOn::Message => {
                self.overlay = under.map(|b| *b);
                self.act_message(c.binding.action)
            }
            keymap::RunsOn::Screen(s) => {
                let mut effects = Vec::new();
                if s != self.screen {
                    effects.extend(self.go(s));
                }
                effects.extend(self.act_on_screen(c.binding.action));
                effects
            }
        }
    }

    pub(crate) fn submit_prompt(&mut self, purpose: PromptFor, input: Input) -> Vec<Effect> {
        let text = input.value().trim().to_string();
        if text.is_empty() && !matches!(purpose, PromptFor::Filter | PromptFor::Search) {
            self.overlay = Some(Overlay::Prompt {
                purpose,
                input,
                error: Some("type something first, or Esc".into()),
            });
            return Vec::new();
        }
        match purpose {
            PromptFor::Filter => {
                self.filter = (!text.is_empty()).then_some((self.screen, text));
                self.setup.sel = 0;
                self.jobs.run_sel = 0;
                self.lists.opp_sel = 0;
                self.lists.review_sel = 0;
                self.lists.contact_sel = 0;
                self.lists.salesperson_sel = 0;
                self.clamp();
                self.clamp_lists();
                Vec::new()
            }
            PromptFor::Search => self.submit_search(text),
            PromptFor::SaveAttachment { message, seq } => {
                self.start("fetching the attachment from the mailbox");
                vec![Effect::SaveAttachment {
                    message,
                    seq,
                    path: text,
                }]
            }
            PromptFor::NeverLog => self.check_never_log(text),
            PromptFor::Capture => self.capture_typed(text),
            PromptFor::ScriptsFolder => {
                self.start("writing the scripts");
                vec![Effect::WriteScripts(text)]
            }
            PromptFor::Salespeople | PromptFor::Contacts => {
                self.start("reading the file (Esc cancels)");
                self.lists.importing = true;
                vec![Effect::LoadLists(
                    crate::tui::lists::ListsKind::ImportPreview {
                        path: text,
                        salespeople: purpose == PromptFor::Salespeople,
                    },
                )]
            }
            PromptFor::AppOnlySecret => {
                self.overlay = Some(Overlay::SignIn {
                    flow: AuthFlow::ClientCredentials,
                    stage: SignInStage::Starting,
                });
                vec![
                    Effect::SaveField {
                        key: FieldKey::ClientSecret,
                        text,
                    },
                    Effect::SignIn(AuthFlow::ClientCredentials),
                ]
            }
        }
    }

    pub(crate) fn prompt(&mut self, purpose: PromptFor, initial: &str) {
        self.overlay = Some(Overlay::Prompt {
            purpose,
            input: Input::new(initial.to_string()),
            error: None,
        });
    }

    /// A text key for the field or prompt being typed into.
    pub(crate) fn type_key(&mut self, ev: &KeyEvent) {
        let event = ratatui::crossterm::event::Event::Key(*ev);
        let Some(req) = tui_input::backend::crossterm::to_input_request(&event) else {
            return;
        };
        match &mut self.overlay {
            Some(Overlay::Edit {
                key, input, check, ..
            }) => {
                input.handle(req);
                if let Some(o) = &self.overview {
                    *check = setup_fields::check(&o.setup, *key, input.value());
                }
            }
            Some(Overlay::Prompt { input, error, .. }) => {
                input.handle(req);
                *error = None;
            }
            Some(Overlay::Palette { input, selected }) => {
                input.handle(req);
                *selected = 0;
            }
            Some(Overlay::Form { form, .. }) => {
                if self.notice.as_ref().is_some_and(|n| n.about == About::Form) {
                    self.notice = None;
                }
                let space = ev.code == ratatui::crossterm::event::KeyCode::Char(' ');
                if !(space && form.cycle())
                    && let Some(f) = form.focused()
                {
                    f.input.handle(req);
                    f.pick_sel = 0;
                }
            }
            _ => {}
        }
    }
}
