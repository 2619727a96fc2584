//! Mailboxes, folders and messages as Exchange Online keeps them.
//!
//! A message has two ids, as in Exchange: an immutable id that survives moves
//! and a REST id that changes each time the message changes folder. Which one a
//! response shows depends on the client's `Prefer: IdType="ImmutableId"`.
//! Each folder keeps an index by received time (for paging) and a log of the
//! messages that left it (for delta's `@removed`).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::ids;

/// Exchange's well-known folders: (well-known name, display name).
pub const WELL_KNOWN: &[(&str, &str)] = &[
    ("inbox", "Inbox"),
    ("archive", "Archive"),
    ("junkemail", "Junk Email"),
    ("drafts", "Drafts"),
    ("sentitems", "Sent Items"),
    ("deleteditems", "Deleted Items"),
];

/// A folder of that display name is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FolderExists;

#[derive(Debug)]
pub struct Folder {
    pub id: String,
    pub display_name: String,
    pub well_known: Option<&'static str>,
    pub parent_id: String,
    /// (received time in µs, message seq): the folder's messages in time order.
    pub index: BTreeSet<(i64, u64)>,
    /// (change seq, immutable id, REST id at the time): messages that left.
    pub removed: Vec<(u64, String, String)>,
}

#[derive(Debug, Clone)]
pub struct Message {
    pub seq: u64,
    pub immutable_id: String,
    pub rest_id: String,
    pub folder_id: String,
    pub received: DateTime<Utc>,
    /// Mailbox change counter value when this message last changed.
    pub changed_at: u64,
    /// Graph properties other than `id` and `parentFolderId`.
    pub fields: Map<String, Value>,
}

#[derive(Debug)]
pub struct Mailbox {
    pub address: String,
    pub root_id: String,
    pub folders: Vec<Folder>,
    pub messages: HashMap<u64, Message>,
    /// Both id forms point at the message's seq.
    pub by_id: HashMap<String, u64>,
    next_seq: u64,
    pub change_seq: u64,
    /// Each message's attachments, by its seq (a move keeps them).
    pub attachments: HashMap<u64, Vec<super::graph::attachments::SimAttachment>>,
}

impl Mailbox {
    pub fn new(address: &str) -> Self {
        let root_id = ids::folder_id();
        let folders = WELL_KNOWN
            .iter()
            .map(|(wk, name)| Folder {
                id: ids::folder_id(),
                display_name: (*name).to_string(),
                well_known: Some(wk),
                parent_id: root_id.clone(),
                index: BTreeSet::new(),
                removed: Vec::new(),
            })
            .collect();
        Self {
            address: address.to_ascii_lowercase(),
            root_id,
            folders,
            messages: HashMap::new(),
            by_id: HashMap::new(),
            next_seq: 1,
            change_seq: 0,
            attachments: HashMap::new(),
        }
    }

    /// A folder by well-known name (any case) or by id.
    pub fn folder_index(&self, name_or_id: &str) -> Option<usize> {
        self.folders.iter().position(|f| {
            f.id == name_or_id
                || f.well_known
                    .is_some_and(|wk| wk.eq_ignore_ascii_case(name_or_id))
        })
    }

    /// As [`Self::folder_index`], and also by display name, or by a path
    /// of display names from the top (`CRM/Queue`, `Inbox/Leads`), each
    /// compared in any case as Outlook does (the control API's way).
    pub fn folder_index_by_any_name(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.folder_index(name) {
            return Some(i);
        }
        let mut found = None;
        for part in name.split('/').filter(|p| !p.is_empty()) {
            found = Some(self.path_step(found, part)?);
        }
        found
    }

    /// One step down a folder path: the folder named `part` under `parent`
    /// (`None`: the top, where a well-known name also does, "inbox/Leads").
    fn path_step(&self, parent: Option<usize>, part: &str) -> Option<usize> {
        match parent {
            Some(p) => self.child_named(&self.folders[p].id, part),
            None => self
                .child_named(&self.root_id, part)
                .or_else(|| self.folder_index(part)),
        }
    }

    /// The folder under `parent_id` with this display name, in any case.
    pub fn child_named(&self, parent_id: &str, name: &str) -> Option<usize> {
        self.folders.iter().position(|f| {
            f.parent_id == parent_id && f.display_name.to_lowercase() == name.to_lowercase()
        })
    }

    /// The folders right under `parent_id`, in the order they were made.
    pub fn children(&self, parent_id: &str) -> Vec<usize> {
        (0..self.folders.len())
            .filter(|&i| self.folders[i].parent_id == parent_id)
            .collect()
    }

    /// A folder under `parent_id`; names are unique among siblings only,
    /// as in Exchange (`Queue` may be under both `CRM` and `Sales`).
    pub fn create_child_folder(
        &mut self,
        parent_id: &str,
        display_name: &str,
    ) -> Result<usize, FolderExists> {
        if self.child_named(parent_id, display_name).is_some() {
            return Err(FolderExists);
        }
        self.folders.push(Folder {
            id: ids::folder_id(),
            display_name: display_name.to_string(),
            well_known: None,
            parent_id: parent_id.to_string(),
            index: BTreeSet::new(),
            removed: Vec::new(),
        });
        Ok(self.folders.len() - 1)
    }

    /// A path of folders from the top, each made where it is missing (the
    /// control API's way of putting mail in `CRM/Queue`).
    pub fn folder_path_or_create(&mut self, path: &str) -> Result<usize, FolderExists> {
        if let Some(i) = self.folder_index(path) {
            return Ok(i);
        }
        let mut last = None;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            let i = match self.path_step(last, part) {
                Some(i) => i,
                None => {
                    let parent =
                        last.map_or_else(|| self.root_id.clone(), |p| self.folders[p].id.clone());
                    self.create_child_folder(&parent, part)?
                }
            };
            last = Some(i);
        }
        last.ok_or(FolderExists)
    }

    /// Adds attachments to message `seq`: `hasAttachments` then says
    /// whether it has any that is not inline, as Exchange's does.
    pub fn attach(&mut self, seq: u64, list: Vec<super::graph::attachments::SimAttachment>) {
        if list.is_empty() {
            return;
        }
        let all = self.attachments.entry(seq).or_default();
        all.extend(list);
        let files = all.iter().any(|a| !a.inline);
        if let Some(m) = self.messages.get_mut(&seq) {
            m.fields.insert("hasAttachments".into(), Value::Bool(files));
        }
    }

    pub fn message_by_id(&self, id: &str) -> Option<&Message> {
        self.by_id.get(id).and_then(|seq| self.messages.get(seq))
    }

    fn bump(&mut self) -> u64 {
        self.change_seq += 1;
        self.change_seq
    }

    /// Stores a new message in a folder; the caller has filled in its fields.
    pub fn insert(
        &mut self,
        folder: usize,
        received: DateTime<Utc>,
        fields: Map<String, Value>,
        immutable_id: Option<String>,
    ) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let changed_at = self.bump();
        let immutable_id = immutable_id.unwrap_or_else(ids::immutable_id);
        let rest_id = ids::message_id();
        let folder_id = self.folders[folder].id.clone();
        self.folders[folder]
            .index
            .insert((received.timestamp_micros(), seq));
        self.by_id.insert(immutable_id.clone(), seq);
        self.by_id.insert(rest_id.clone(), seq);
        self.messages.insert(
            seq,
            Message {
                seq,
                immutable_id,
                rest_id,
                folder_id,
                received,
                changed_at,
                fields,
            },
        );
        seq
    }

    /// Moves a message; it gets a new REST id, its immutable id stays.
    pub fn move_message(&mut self, seq: u64, dest: usize) {
        let change = self.bump();
        let dest_id = self.folders[dest].id.clone();
        let Some(msg) = self.messages.get_mut(&seq) else {
            return;
        };
        let key = (msg.received.timestamp_micros(), seq);
        if let Some(src) = self.folders.iter_mut().find(|f| f.id == msg.folder_id) {
            src.index.remove(&key);
            src.removed
                .push((change, msg.immutable_id.clone(), msg.rest_id.clone()));
        }
        self.by_id.remove(&msg.rest_id);
        msg.rest_id = ids::message_id();
        self.by_id.insert(msg.rest_id.clone(), seq);
        msg.folder_id = dest_id;
        msg.changed_at = change;
        self.folders[dest].index.insert(key);
    }

    /// Removes a folder; its messages move to Deleted Items first.
    pub fn delete_folder(&mut self, folder: usize) {
        let seqs: Vec<u64> = self.folder_seqs(folder).collect();
        if let Some(deleted) = self.folder_index("deleteditems") {
            for seq in seqs {
                self.move_message(seq, deleted);
            }
        }
        self.folders.remove(folder);
    }

    /// Removes a message for good (a delete from Deleted Items).
    pub fn purge(&mut self, seq: u64) {
        let change = self.bump();
        let Some(msg) = self.messages.remove(&seq) else {
            return;
        };
        self.attachments.remove(&seq);
        if let Some(src) = self.folders.iter_mut().find(|f| f.id == msg.folder_id) {
            src.index.remove(&(msg.received.timestamp_micros(), seq));
            src.removed
                .push((change, msg.immutable_id.clone(), msg.rest_id.clone()));
        }
        self.by_id.remove(&msg.rest_id);
        self.by_id.remove(&msg.immutable_id);
    }

    /// Seqs of a folder's messages in received order (oldest first).
    pub fn folder_seqs(&self, folder: usize) -> impl DoubleEndedIterator<Item = u64> + '_ {
        self.folders[folder].index.iter().map(|(_, seq)| *seq)
    }

    pub fn unread_count(&self, folder: usize) -> usize {
        self.folder_seqs(folder)
            .filter(|s| {
                self.messages.get(s).is_some_and(|m| {
                    !m.fields
                        .get("isRead")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                })
            })
            .count()
    }
}
