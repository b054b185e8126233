//! The JSON of a trace file: read into a [`Value`] tree for `share`'s walk (which
//! knows the path of every field it reads), and the two pieces `share`'s export
//! writes that need care, strings and floats. Our own rather than serde_json: a
//! trace needs nothing more, and serde_json, with its float formatting and its own
//! error texts, was the largest library in the page after Yew.

use std::fmt;

/// Deeper nesting is refused, so that a file cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// A number as the file writes it; whoever reads it decides whether it must be
    /// a whole number.
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// An object's fields in the file's order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map(Vec<(String, Value)>);

impl Map {
    /// The field's value; the last one when a name repeats, as in JavaScript.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .rev()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value)
    }
}

impl Value {
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(fields) => Some(fields),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(truth) => Some(*truth),
            _ => None,
        }
    }

    /// A whole number written without sign, point or exponent, up to `u64::MAX`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(text) if text.bytes().all(|byte| byte.is_ascii_digit()) => {
                text.parse().ok()
            }
            _ => None,
        }
    }

    /// Any number within [`crate::decimal::parse_json_number`]'s reach.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(text) => crate::decimal::parse_json_number(text),
            _ => None,
        }
    }

    /// Written on one line without spaces, stopping once `out` refuses more.
    fn write(&self, out: &mut impl fmt::Write) -> fmt::Result {
        match self {
            Value::Null => out.write_str("null"),
            Value::Bool(truth) => out.write_str(if *truth { "true" } else { "false" }),
            Value::Number(text) => out.write_str(text),
            Value::String(text) => write_string(out, text),
            Value::Array(items) => {
                out.write_char('[')?;
                for (position, item) in items.iter().enumerate() {
                    if position > 0 {
                        out.write_char(',')?;
                    }
                    item.write(out)?;
                }
                out.write_char(']')
            }
            Value::Object(Map(fields)) => {
                out.write_char('{')?;
                for (position, (name, value)) in fields.iter().enumerate() {
                    if position > 0 {
                        out.write_char(',')?;
                    }
                    write_string(out, name)?;
                    out.write_char(':')?;
                    value.write(out)?;
                }
                out.write_char('}')
            }
        }
    }

    /// The value as JSON of at most `longest` characters, cut with `…`: for an error
    /// message, which quotes what it found. A large value is not written out whole.
    pub fn shortened(&self, longest: usize) -> String {
        let mut cut = Capped {
            text: String::new(),
            room: longest + 1,
        };
        let _ = self.write(&mut cut);
        if cut.room == 0 {
            let mut text: String = cut.text.chars().take(longest).collect();
            text.push('…');
            text
        } else {
            cut.text
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Value {
        Value::String(text.to_owned())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(f)
    }
}

/// A writer that takes `room` characters and then refuses, ending the write.
struct Capped {
    text: String,
    room: usize,
}

impl fmt::Write for Capped {
    fn write_str(&mut self, piece: &str) -> fmt::Result {
        for character in piece.chars() {
            if self.room == 0 {
                return Err(fmt::Error);
            }
            self.text.push(character);
            self.room -= 1;
        }
        Ok(())
    }
}

/// `text` in quotes, with `"`, `\` and control characters escaped.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let _ = write_string(&mut out, text);
    out
}

fn write_string(out: &mut impl fmt::Write, text: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut plain = 0;
    for (at, character) in text.char_indices() {
        let escape = match character {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            control if control < ' ' => "",
            _ => continue,
        };
        out.write_str(&text[plain..at])?;
        if escape.is_empty() {
            write!(out, "\\u{:04x}", u32::from(character))?;
        } else {
            out.write_str(escape)?;
        }
        plain = at + character.len_utf8();
    }
    out.write_str(&text[plain..])?;
    out.write_char('"')
}

/// The shortest number that reads back as `number`; `null` for NaN and the
/// infinities, which JSON cannot write (and import then refuses by name).
pub fn float(number: f64) -> String {
    if number.is_finite() {
        crate::decimal::shortest(number)
    } else {
        "null".to_owned()
    }
}

/// Why a text is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    what: &'static str,
    line: usize,
    column: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.what, self.line, self.column
        )
    }
}

/// Reads one JSON document (RFC 8259), with nothing but white space after it.
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut reader = Reader { text, at: 0 };
    let value = reader.value(0)?;
    reader.skip_space();
    if reader.at < text.len() {
        return Err(reader.error("more text after the end of the document"));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    /// A byte offset, always on a character boundary.
    at: usize,
}

impl Reader<'_> {
    /// Lines count from 1 and columns in characters from 1, as editors show them.
    fn error(&self, what: &'static str) -> Error {
        let before = self.text.get(..self.at).unwrap_or(self.text);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        Error {
            what,
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        self.skip_space();
        match self.peek() {
            None => Err(self.error("the text ends where a value should be")),
            Some(b'{' | b'[') if depth == MAX_DEPTH => {
                Err(self.error("lists and objects nested too deeply"))
            }
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(_) => Err(self.error("expected a value")),
        }
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, Error> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a value"))
        }
    }

    fn array(&mut self, depth: usize) -> Result<Value, Error> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_space();
        if self.eat(b']') {
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_space();
            if self.eat(b']') {
                return Ok(Value::Array(items));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `]`"));
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, Error> {
        self.at += 1;
        let mut fields = Vec::new();
        self.skip_space();
        if self.eat(b'}') {
            return Ok(Value::Object(Map(fields)));
        }
        loop {
            self.skip_space();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a field name in quotes"));
            }
            let name = self.string()?;
            self.skip_space();
            if !self.eat(b':') {
                return Err(self.error("expected `:`"));
            }
            fields.push((name, self.value(depth)?));
            self.skip_space();
            if self.eat(b'}') {
                return Ok(Value::Object(Map(fields)));
            }
            if !self.eat(b',') {
                return Err(self.error("expected `,` or `}`"));
            }
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let plain = self.at;
            while matches!(self.peek(), Some(byte) if byte != b'"' && byte != b'\\' && byte >= b' ')
            {
                self.at += 1;
            }
            // Both ends sit next to ASCII bytes, so on character boundaries.
            out.push_str(&self.text[plain..self.at]);
            match self.peek() {
                None => return Err(self.error("the text ends inside a string")),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.at += 1;
                    out.push(self.escape()?);
                }
                Some(_) => return Err(self.error("a control character inside a string")),
            }
        }
    }

    /// The character a `\` escape stands for (the `\` already read).
    fn escape(&mut self) -> Result<char, Error> {
        let escaped = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.at += 1;
                return self.unicode_escape();
            }
            _ => return Err(self.error("an unknown escape after `\\`")),
        };
        self.at += 1;
        Ok(escaped)
    }

    /// `\uXXXX`, or two of them for a character beyond the first 65,536 (a UTF-16
    /// surrogate pair).
    fn unicode_escape(&mut self) -> Result<char, Error> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !(self.eat(b'\\') && self.eat(b'u')) {
                return Err(self.error("half a surrogate pair in a `\\u` escape"));
            }
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("half a surrogate pair in a `\\u` escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("half a surrogate pair in a `\\u` escape"))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut code = 0;
        for _ in 0..4 {
            let digit = self
                .peek()
                .and_then(|byte| char::from(byte).to_digit(16))
                .ok_or_else(|| self.error("expected four hex digits after `\\u`"))?;
            code = code * 16 + digit;
            self.at += 1;
        }
        Ok(code)
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as written.
    fn number(&mut self) -> Result<Value, Error> {
        let start = self.at;
        self.eat(b'-');
        if !self.eat(b'0') && !self.digits() {
            return Err(self.error("expected a digit"));
        }
        if self.eat(b'.') && !self.digits() {
            return Err(self.error("expected a digit after the decimal point"));
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if !self.digits() {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        Ok(Value::Number(self.text[start..self.at].to_owned()))
    }

    fn digits(&mut self) -> bool {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at > start
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// serde_json is the reference reader and writer (a test dependency only).
    fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
        use serde_json::Value as Theirs;
        match (ours, theirs) {
            (Value::Null, Theirs::Null) => true,
            (Value::Bool(a), Theirs::Bool(b)) => a == b,
            (Value::Number(_), Theirs::Number(number)) => ours.as_f64() == number.as_f64(),
            (Value::String(a), Theirs::String(b)) => a == b,
            (Value::Array(a), Theirs::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
            }
            (Value::Object(Map(a)), Theirs::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(name, a)| b.get(name).is_some_and(|b| same(a, b)))
            }
            _ => false,
        }
    }

    /// Ours and serde_json's readings agree: both refuse, or both read the same tree.
    fn agrees(text: &str) {
        match (parse(text), serde_json::from_str::<serde_json::Value>(text)) {
            (Ok(ours), Ok(theirs)) => assert!(same(&ours, &theirs), "{text:?}"),
            (Err(_), Err(_)) => {}
            (ours, theirs) => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads_and_refuses_what_it_refuses() {
        for text in [
            "null",
            " true ",
            "false",
            "0",
            "-0",
            "12",
            "[]",
            "{}",
            "[1, [2, [3]], {\"a\": {\"b\": null}}]",
            "{\"a\": 1, \"b\": [true, false]}",
            "\"plain\"",
            "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
            "\"\\u00e9\\u4e2d\\ud83d\\ude00\"",
            "\"中文 é\"",
            "",
            "   ",
            "nul",
            "truex",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "{1: 2}",
            "\"open",
            "\"tab\there\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "01",
            "1.",
            ".5",
            "1e",
            "-",
            "+1",
            "[1] 2",
            "{\"a\": 1} {}",
        ] {
            agrees(text);
        }
    }

    #[test]
    fn a_repeated_field_reads_as_its_last_value() {
        let value = parse("{\"a\": 1, \"a\": 2}").unwrap();
        assert_eq!(
            value.as_object().unwrap().get("a").unwrap().as_u64(),
            Some(2)
        );
    }

    #[test]
    fn whole_numbers_are_only_those_without_sign_point_or_exponent() {
        let number = |text: &str| parse(text).unwrap();
        assert_eq!(number("0").as_u64(), Some(0));
        assert_eq!(number("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(number("18446744073709551616").as_u64(), None);
        for text in ["-1", "1.0", "1e2", "\"1\""] {
            assert_eq!(number(text).as_u64(), None, "{text}");
        }
        assert_eq!(number("1e2").as_f64(), Some(100.0));
        assert_eq!(number("-2.5E-1").as_f64(), Some(-0.25));
    }

    #[test]
    fn errors_say_where_in_lines_and_characters() {
        let error = parse("{\n  \"é\": [1,\n  2,,]\n}").unwrap_err();
        assert_eq!(error.to_string(), "expected a value at line 3 column 5");
        assert_eq!(
            parse("").unwrap_err().to_string(),
            "the text ends where a value should be at line 1 column 1"
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep)
            .unwrap_err()
            .to_string()
            .contains("nested too deeply"));
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn strings_written_read_back_and_match_serde_json() {
        for text in [
            "",
            "plain",
            "quote \" and \\",
            "line\nbreak\ttab\r",
            "\u{1}\u{1f}\u{7f}",
            "中文 🦀",
        ] {
            let written = string(text);
            assert_eq!(written, serde_json::Value::from(text).to_string());
            assert_eq!(parse(&written).unwrap().as_str(), Some(text));
        }
    }

    #[test]
    fn floats_written_read_back_bit_for_bit() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Probabilities, as traces carry them, and numbers far from them.
            let number = (state >> 11) as f64 / (1u64 << 53) as f64
                * [1.0, 1e-6, 100.0, 1e-310, 1e300][(state % 5) as usize];
            let written = float(number);
            assert_eq!(written, serde_json::Value::from(number).to_string());
            let read = parse(&written).unwrap().as_f64();
            assert_eq!(read.map(f64::to_bits), Some(number.to_bits()), "{written}");
        }
        assert_eq!(float(f64::NAN), "null");
        assert_eq!(float(f64::INFINITY), "null");
    }

    #[test]
    fn shortened_values_stop_writing_at_the_cut() {
        let long = Value::Array((0..100_000).map(|n| Value::Number(n.to_string())).collect());
        assert_eq!(long.shortened(10), "[0,1,2,3,4…");
        assert_eq!(Value::from("short").shortened(10), "\"short\"");
        assert_eq!(Value::from("exactly 8").shortened(11), "\"exactly 8\"");
    }
}
