//! Our values on PostgreSQL's wire: a parameter is encoded as the type the
//! server inferred for its place (an integer into `int4` or `bigint`, text
//! into `timestamptz` by parsing the stored UTC form), and a column is read
//! back into the same five kinds SQLite has, a `timestamptz` as the stored
//! UTC text. So the store's code reads and binds the same on both.
//!
//! And the placeholders: the store writes SQLite's `?1` (or a bare `?`);
//! PostgreSQL wants `$1`.

use std::borrow::Cow;
use std::error::Error;

use bytes::BytesMut;
use chrono::{DateTime, Utc};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::Value;

type BoxError = Box<dyn Error + Sync + Send>;

fn cannot(what: &str, ty: &Type) -> BoxError {
    format!("cannot store {what} in a column of type {ty}").into()
}

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)
                    .map_err(|_| cannot("a number this large", ty))?
                    .to_sql(ty, out),
                Type::INT2 => i16::try_from(*i)
                    .map_err(|_| cannot("a number this large", ty))?
                    .to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => Err(cannot("an integer", ty)),
            },
            Value::Real(r) => match *ty {
                Type::FLOAT8 => r.to_sql(ty, out),
                Type::FLOAT4 => (*r as f32).to_sql(ty, out),
                _ => Err(cannot("a real number", ty)),
            },
            Value::Text(t) => match *ty {
                Type::TIMESTAMPTZ => crate::store::parse_ts(t)
                    .ok_or_else(|| cannot(&format!("the time {t:?}"), ty))?
                    .to_sql(ty, out),
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    t.as_ref().to_sql(ty, out)
                }
                _ => Err(cannot("text", ty)),
            },
            Value::Blob(b) => match *ty {
                Type::BYTEA => b.as_ref().to_sql(ty, out),
                _ => Err(cannot("bytes", ty)),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A column read from PostgreSQL, as one of our five kinds.
pub struct Column(pub Value<'static>);

impl<'a> FromSql<'a> for Column {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let v = match *ty {
            Type::INT8 => Value::Int(i64::from_sql(ty, raw)?),
            Type::INT4 => Value::Int(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Value::Int(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Value::Int(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Value::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Value::Real(f32::from_sql(ty, raw)?.into()),
            Type::BYTEA => Value::Blob(Cow::Owned(Vec::<u8>::from_sql(ty, raw)?)),
            Type::TIMESTAMPTZ => Value::Text(Cow::Owned(crate::store::ts(
                DateTime::<Utc>::from_sql(ty, raw)?,
            ))),
            _ => Value::Text(Cow::Owned(String::from_sql(ty, raw)?)),
        };
        Ok(Column(v))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(Column(Value::Null))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT8
                | Type::INT4
                | Type::INT2
                | Type::BOOL
                | Type::FLOAT8
                | Type::FLOAT4
                | Type::BYTEA
                | Type::TIMESTAMPTZ
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
        )
    }
}

/// The array type of a column that `cast` names (`text` → `text[]`), for
/// a page's rows sent as one array per column; `None` for a name the
/// store does not use.
pub fn array_type(cast: &str) -> Option<Type> {
    Some(match cast {
        "text" => Type::TEXT_ARRAY,
        "bigint" => Type::INT8_ARRAY,
        "integer" => Type::INT4_ARRAY,
        "timestamptz" => Type::TIMESTAMPTZ_ARRAY,
        "boolean" => Type::BOOL_ARRAY,
        "double precision" => Type::FLOAT8_ARRAY,
        _ => return None,
    })
}

/// `?1` and bare `?` as `$1`, `$2`, …; nothing inside quotes is touched.
pub fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    let mut bare = 0;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push('$');
                if digits.is_empty() {
                    bare += 1;
                    out.push_str(&bare.to_string());
                } else {
                    out.push_str(&digits);
                }
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes_only() {
        for (sqlite, pg) in [
            ("SELECT ?1, ?12", "SELECT $1, $12"),
            (
                "WHERE a = ? AND b < (?, ?) LIMIT ?",
                "WHERE a = $1 AND b < ($2, $3) LIMIT $4",
            ),
            (
                "SELECT '?1', \"odd?\" FROM t WHERE x = ?2",
                "SELECT '?1', \"odd?\" FROM t WHERE x = $2",
            ),
            ("SELECT 'it''s ?' || ?1", "SELECT 'it''s ?' || $1"),
        ] {
            assert_eq!(placeholders(sqlite), pg, "{sqlite}");
        }
    }

    fn encode(v: Value<'_>, ty: &Type) -> Result<Vec<u8>, String> {
        let mut out = BytesMut::new();
        v.to_sql(ty, &mut out).map_err(|e| e.to_string())?;
        Ok(out.to_vec())
    }

    #[test]
    fn parameters_take_the_type_the_server_asked_for() {
        assert_eq!(
            encode(Value::Int(7), &Type::INT4).unwrap(),
            7i32.to_be_bytes()
        );
        assert_eq!(
            encode(Value::Int(7), &Type::INT8).unwrap(),
            7i64.to_be_bytes()
        );
        assert_eq!(encode(Value::Int(1), &Type::BOOL).unwrap(), [1]);
        assert_eq!(
            encode(Value::Int(1 << 40), &Type::INT4).unwrap_err(),
            "cannot store a number this large in a column of type int4"
        );
        let t = encode(
            Value::Text("2024-05-01T10:00:05.500Z".into()),
            &Type::TIMESTAMPTZ,
        )
        .unwrap();
        let back = DateTime::<Utc>::from_sql(&Type::TIMESTAMPTZ, &t).unwrap();
        assert_eq!(crate::store::ts(back), "2024-05-01T10:00:05.500Z");
        assert!(encode(Value::Text("yesterday".into()), &Type::TIMESTAMPTZ).is_err());
        assert!(encode(Value::Blob(Cow::Borrowed(b"x")), &Type::TEXT).is_err());
    }

    #[test]
    fn columns_read_back_as_the_five_kinds() {
        let mut out = BytesMut::new();
        let at: DateTime<Utc> = "2026-11-30T07:00:00.250Z".parse().unwrap();
        at.to_sql(&Type::TIMESTAMPTZ, &mut out).unwrap();
        let Column(v) = Column::from_sql(&Type::TIMESTAMPTZ, &out).unwrap();
        assert_eq!(v, Value::Text("2026-11-30T07:00:00.250Z".into()));
        let Column(v) = Column::from_sql(&Type::BOOL, &[1]).unwrap();
        assert_eq!(v, Value::Int(1));
        let Column(v) = Column::from_sql_null(&Type::TEXT).unwrap();
        assert_eq!(v, Value::Null);
    }
}
