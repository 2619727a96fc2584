//! The values that cross the store's database layer: parameters bound to a
//! statement and columns read from a row, the same for every backend. A
//! parameter borrows what it can (a page's subjects and bodies are not
//! copied to be bound); a column is read into the type the caller asks for,
//! and a mismatch is an error that names the column, never a panic.

use std::borrow::Cow;

use super::DbError;

/// A parameter: SQL's five kinds of value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

impl Value<'_> {
    /// The same value, owning what it held (for parameter lists built up
    /// piece by piece).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i),
            Value::Real(r) => Value::Real(r),
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
            Value::Blob(b) => Value::Blob(Cow::Owned(b.into_owned())),
        }
    }
}

impl From<String> for Value<'static> {
    fn from(s: String) -> Self {
        Value::Text(Cow::Owned(s))
    }
}

impl From<i64> for Value<'static> {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

/// What a Rust value is as a parameter.
pub trait ToParam {
    fn to_param(&self) -> Value<'_>;
}

impl<T: ToParam + ?Sized> ToParam for &T {
    fn to_param(&self) -> Value<'_> {
        (**self).to_param()
    }
}

impl<T: ToParam> ToParam for Option<T> {
    fn to_param(&self) -> Value<'_> {
        match self {
            Some(v) => v.to_param(),
            None => Value::Null,
        }
    }
}

impl ToParam for str {
    fn to_param(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToParam for String {
    fn to_param(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToParam for [u8] {
    fn to_param(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl ToParam for Vec<u8> {
    fn to_param(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl ToParam for bool {
    fn to_param(&self) -> Value<'_> {
        Value::Int(i64::from(*self))
    }
}

impl ToParam for f64 {
    fn to_param(&self) -> Value<'_> {
        Value::Real(*self)
    }
}

impl ToParam for Value<'_> {
    fn to_param(&self) -> Value<'_> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(*i),
            Value::Real(r) => Value::Real(*r),
            Value::Text(t) => Value::Text(Cow::Borrowed(t)),
            Value::Blob(b) => Value::Blob(Cow::Borrowed(b)),
        }
    }
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn to_param(&self) -> Value<'_> {
                Value::Int(*self as i64)
            }
        }
    )*};
}
int_param!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! unsigned_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            /// Saturates: a limit of `usize::MAX` means "no limit", never
            /// the -1 a wrapping cast would make (which PostgreSQL refuses).
            fn to_param(&self) -> Value<'_> {
                Value::Int(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }
    )*};
}
unsigned_param!(u64, usize);

/// A column as read, borrowed from the row.
#[derive(Debug, Clone, Copy)]
pub enum ValueRef<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl ValueRef<'_> {
    fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Int(_) => "an integer",
            ValueRef::Real(_) => "a real number",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "a blob",
        }
    }

    fn mismatch(&self, expected: &'static str) -> DbError {
        DbError::Type {
            expected,
            found: self.kind(),
        }
    }
}

/// What a column can be read as.
pub trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError>;
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// Any column as it is (a copy of a table between stores).
impl FromValue for Value<'static> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        Ok(match v {
            ValueRef::Null => Value::Null,
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(Cow::Owned(t.to_string())),
            ValueRef::Blob(b) => Value::Blob(Cow::Owned(b.to_vec())),
        })
    }
}

impl FromValue for String {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Text(t) => Ok(t.to_string()),
            v => Err(v.mismatch("text")),
        }
    }
}

/// A time as the store writes it ([`crate::store::ts`]), parsed where it
/// lies (no copy of its text): the follow-ups read tens of thousands.
impl FromValue for chrono::DateTime<chrono::Utc> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Text(t) => crate::store::parse_ts(t).ok_or(DbError::Type {
                expected: "a time",
                found: "text that is not one",
            }),
            v => Err(v.mismatch("a time")),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(t) => Ok(t.as_bytes().to_vec()),
            v => Err(v.mismatch("a blob")),
        }
    }
}

impl FromValue for f64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Real(r) => Ok(r),
            ValueRef::Int(i) => Ok(i as f64),
            v => Err(v.mismatch("a number")),
        }
    }
}

impl FromValue for bool {
    fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
        match v {
            ValueRef::Int(i) => Ok(i != 0),
            v => Err(v.mismatch("a truth value")),
        }
    }
}

macro_rules! int_column {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> Result<Self, DbError> {
                match v {
                    ValueRef::Int(i) => <$t>::try_from(i).map_err(|_| DbError::Range(i)),
                    v => Err(v.mismatch("an integer")),
                }
            }
        }
    )*};
}
int_column!(i32, i64, u8, u16, u32, u64, usize);

/// A row of a result, as the backend hands it over.
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Values(&'a [Value<'static>]),
}

/// A column's position (by number: the store names its columns in its SQL).
pub trait ColumnIndex {
    fn index(self) -> usize;
}

impl ColumnIndex for usize {
    fn index(self) -> usize {
        self
    }
}

impl Row<'_> {
    /// Column `idx` as `T`.
    pub fn get<I: ColumnIndex, T: FromValue>(&self, idx: I) -> Result<T, DbError> {
        let idx = idx.index();
        let at = |e: DbError| DbError::Column {
            index: idx,
            source: Box::new(e),
        };
        match self {
            Row::Sqlite(r) => {
                let v = r.get_ref(idx).map_err(DbError::Sqlite)?;
                T::from_value(from_sqlite(v)).map_err(at)
            }
            Row::Values(vs) => {
                let v = vs.get(idx).ok_or(DbError::NoColumn(idx))?;
                T::from_value(v.as_ref()).map_err(at)
            }
        }
    }
}

impl Value<'_> {
    fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Int(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

/// SQLite's column as ours. Text SQLite holds is UTF-8 (it is only ever
/// written through this layer from Rust strings); bytes that are not are
/// read as a blob, so the caller's type check reports them.
fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> ValueRef<'_> {
    use rusqlite::types::ValueRef as S;
    match v {
        S::Null => ValueRef::Null,
        S::Integer(i) => ValueRef::Int(i),
        S::Real(r) => ValueRef::Real(r),
        S::Text(t) => match std::str::from_utf8(t) {
            Ok(s) => ValueRef::Text(s),
            Err(_) => ValueRef::Blob(t),
        },
        S::Blob(b) => ValueRef::Blob(b),
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef as S};
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => S::Null,
            Value::Int(i) => S::Integer(*i),
            Value::Real(r) => S::Real(*r),
            Value::Text(t) => S::Text(t.as_bytes()),
            Value::Blob(b) => S::Blob(b),
        }))
    }
}

/// Parameters for a statement: `params![a, b, c]`, a slice or a `Vec` of
/// values, or `[]` for none.
pub trait Params {
    fn values(&self) -> &[Value<'_>];
}

impl Params for [Value<'_>] {
    fn values(&self) -> &[Value<'_>] {
        self
    }
}

impl<const N: usize> Params for [Value<'_>; N] {
    fn values(&self) -> &[Value<'_>] {
        self
    }
}

impl Params for Vec<Value<'_>> {
    fn values(&self) -> &[Value<'_>] {
        self
    }
}

impl<P: Params + ?Sized> Params for &P {
    fn values(&self) -> &[Value<'_>] {
        (**self).values()
    }
}

/// A parameter taken by value, keeping the lifetime of what it borrows: for
/// rows built ahead of a batch (`db_row!`), where `params!`' borrow of each
/// argument would end with the closure that builds the row.
pub trait IntoParam<'a> {
    fn into_param(self) -> Value<'a>;
}

impl<'a, T: ToParam + ?Sized> IntoParam<'a> for &'a T {
    fn into_param(self) -> Value<'a> {
        self.to_param()
    }
}

impl IntoParam<'static> for i64 {
    fn into_param(self) -> Value<'static> {
        Value::Int(self)
    }
}

impl IntoParam<'static> for bool {
    fn into_param(self) -> Value<'static> {
        Value::Int(i64::from(self))
    }
}

/// `[Value; N]` of arguments taken by value (see [`IntoParam`]).
#[macro_export]
macro_rules! db_row {
    ($($x:expr),+ $(,)?) => {
        [$($crate::store::db::IntoParam::into_param($x)),+]
    };
}

/// `params![a, b]`: the values bound to `?1`, `?2`, … in order.
#[macro_export]
macro_rules! db_params {
    () => {
        [] as [$crate::store::db::Value<'static>; 0]
    };
    ($($x:expr),+ $(,)?) => {
        [$($crate::store::db::ToParam::to_param(&$x)),+]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_out_of_range_are_an_error_not_a_wrap() {
        assert!(matches!(
            u32::from_value(ValueRef::Int(-1)),
            Err(DbError::Range(-1))
        ));
        assert_eq!(u32::from_value(ValueRef::Int(7)).unwrap(), 7);
    }

    #[test]
    fn a_column_of_another_kind_says_what_it_found() {
        let e = String::from_value(ValueRef::Int(3)).unwrap_err();
        assert_eq!(e.to_string(), "expected text, found an integer");
        assert_eq!(Option::<String>::from_value(ValueRef::Null).unwrap(), None);
    }

    #[test]
    fn unbounded_limits_stay_positive() {
        assert_eq!(usize::MAX.to_param(), Value::Int(i64::MAX));
        assert_eq!(u64::MAX.to_param(), Value::Int(i64::MAX));
        assert_eq!(50usize.to_param(), Value::Int(50));
    }

    #[test]
    fn parameters_borrow_text_and_bytes() {
        let s = String::from("Ærlig talt");
        assert!(matches!(s.to_param(), Value::Text(Cow::Borrowed(_))));
        assert_eq!(Some(3u32).to_param(), Value::Int(3));
        assert_eq!(None::<i64>.to_param(), Value::Null);
    }
}
