//! Kubernetes' resource quantities (`resource.Quantity`): parsing with its error
//! texts, exact comparison, and the canonical form Kubernetes stores and prints
//! (`0.5` → `500m`, `1.5Gi` → `1536Mi`, `1000` → `1k`).

use std::cmp::Ordering;
use std::fmt;

/// Kubernetes' message for a malformed quantity.
pub const ERR_FORMAT: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/// Kubernetes' message for an unknown suffix.
pub const ERR_SUFFIX: &str = "unable to parse quantity's suffix";
/// Kubernetes' message for an unreadable number.
pub const ERR_NUMERIC: &str = "unable to parse numeric part of quantity";

/// Why a quantity did not parse; `Display` is Kubernetes' text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("{}", ERR_FORMAT)]
    Format,
    #[error("{}", ERR_SUFFIX)]
    Suffix,
    #[error("{}", ERR_NUMERIC)]
    Numeric,
}

/// How a quantity is written back, remembered from its suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DecimalSI,
    BinarySI,
    DecimalExponent,
}

/// A parsed quantity. Values are held exactly in units of 10^-9 (Kubernetes rounds
/// anything finer up to 1n); `nanos` is `None` when the value is beyond that range,
/// and then the original text is kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    nanos: Option<i128>,
    format: Format,
    original: String,
}

const NANO: i128 = 1_000_000_000;

struct Parts<'a> {
    positive: bool,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos = 1;
        }
        Some(b'+') => pos = 1,
        _ => {}
    }
    while pos < b.len() && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= b.len() {
        return Ok(Parts {
            positive,
            num: "0",
            denom: "",
            suffix: "",
        });
    }
    let num_start = pos;
    while pos < b.len() && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = if pos == num_start {
        "0"
    } else {
        &s[num_start..pos]
    };
    let mut denom = "";
    if pos < b.len() && b[pos] == b'.' {
        pos += 1;
        let d = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &s[d..pos];
    }
    let suffix_start = pos;
    while pos < b.len() && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < b.len() && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < b.len() && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < b.len() {
        return Err(QuantityError::Format);
    }
    Ok(Parts {
        positive,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

/// (base, exponent, format) of a suffix.
fn interpret(suffix: &str) -> Result<(u32, i32, Format), QuantityError> {
    let dec = |e| Ok((10, e, Format::DecimalSI));
    let bin = |e| Ok((2, e, Format::BinarySI));
    match suffix {
        "" => dec(0),
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        s if s.len() > 1 && (s.starts_with('e') || s.starts_with('E')) => {
            let e: i32 = s[1..].parse().map_err(|_| QuantityError::Suffix)?;
            Ok((10, e, Format::DecimalExponent))
        }
        _ => Err(QuantityError::Suffix),
    }
}

fn pow10(e: u32) -> Option<i128> {
    10i128.checked_pow(e)
}

impl Quantity {
    /// Parses a quantity as Kubernetes does.
    pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::Format);
        }
        let p = split(s)?;
        let (base, exp, format) = interpret(p.suffix)?;
        let digits = format!("{}{}", p.num, p.denom);
        let nanos = (|| {
            let d: i128 = digits.parse().ok()?;
            // value = d * 10^(-len(denom)) * base^exp, in nanos.
            let mut scale10 = 9 - p.denom.len() as i64;
            let mut mul = d;
            if base == 2 {
                mul = mul.checked_mul(1i128.checked_shl(exp as u32)?)?;
            } else {
                scale10 += i64::from(exp);
            }
            let v = if scale10 >= 0 {
                mul.checked_mul(pow10(u32::try_from(scale10).ok()?)?)?
            } else {
                let div = pow10(u32::try_from(-scale10).ok()?)?;
                // Finer than a nano rounds up, so a tiny request still gets something.
                (mul + div - 1) / div
            };
            Some(if p.positive { v } else { -v })
        })();
        if nanos.is_none() && !digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(QuantityError::Numeric);
        }
        Ok(Quantity {
            nanos,
            format,
            original: s.to_string(),
        })
    }

    /// The exact value in units of 10^-9, if representable.
    pub fn nanos(&self) -> Option<i128> {
        self.nanos
    }

    /// Compares two quantities; `None` if either is out of range.
    pub fn cmp_value(&self, other: &Quantity) -> Option<Ordering> {
        Some(self.nanos?.cmp(&other.nanos?))
    }

    pub fn is_negative(&self) -> bool {
        self.nanos.is_some_and(|n| n < 0) || self.original.starts_with('-')
    }

    /// Kubernetes' canonical text for this quantity.
    pub fn canonical(&self) -> String {
        let Some(n) = self.nanos else {
            return self.original.clone();
        };
        if n == 0 {
            return "0".to_string();
        }
        let sign = if n < 0 { "-" } else { "" };
        let abs = n.abs();
        if self.format == Format::BinarySI && abs >= 1024 * NANO && abs % NANO == 0 {
            let mut amount = abs / NANO;
            let mut e = 0;
            while amount % 1024 == 0 && e < 6 {
                amount /= 1024;
                e += 1;
            }
            let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][e];
            return format!("{sign}{amount}{suffix}");
        }
        let mut m = abs;
        let mut e: i32 = -9;
        while m % 1000 == 0 && (e < 18 || self.format == Format::DecimalExponent) {
            m /= 1000;
            e += 3;
        }
        let suffix = if self.format == Format::DecimalExponent {
            if e == 0 {
                String::new()
            } else {
                format!("e{e}")
            }
        } else {
            match e {
                -9 => "n",
                -6 => "u",
                -3 => "m",
                0 => "",
                3 => "k",
                6 => "M",
                9 => "G",
                12 => "T",
                15 => "P",
                _ => "E",
            }
            .to_string()
        };
        format!("{sign}{m}{suffix}")
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Quantity::parse(s).unwrap().canonical()
    }

    #[test]
    fn canonical_forms() {
        for (input, want) in [
            ("0.5", "500m"),
            ("1000m", "1"),
            ("1000", "1k"),
            ("1.5Gi", "1536Mi"),
            ("1024Mi", "1Gi"),
            ("100Mi", "100Mi"),
            ("128974848", "128974848"),
            ("1e3", "1e3"),
            ("1.5e3", "1500"),
            ("0.1m", "100u"),
            ("0.1Gi", "107374182400m"),
            ("512Ki", "512Ki"),
            ("0.5Ki", "512"),
            ("1536", "1536"),
            ("0", "0"),
            ("0.0000000001", "1n"),
            ("-1", "-1"),
            ("2", "2"),
            ("250m", "250m"),
            ("1.", "1"),
            (".5", "500m"),
            ("10G", "10G"),
        ] {
            assert_eq!(canon(input), want, "{input}");
        }
    }

    #[test]
    fn errors_and_comparison() {
        assert_eq!(Quantity::parse("abc").unwrap_err().to_string(), ERR_FORMAT);
        assert_eq!(Quantity::parse("").unwrap_err(), QuantityError::Format);
        assert_eq!(Quantity::parse("1.2.3").unwrap_err(), QuantityError::Format);
        assert_eq!(Quantity::parse("1Z").unwrap_err(), QuantityError::Format);
        assert_eq!(Quantity::parse("1iK").unwrap_err().to_string(), ERR_SUFFIX);
        let a = Quantity::parse("500m").unwrap();
        let b = Quantity::parse("0.5").unwrap();
        assert_eq!(a.cmp_value(&b), Some(Ordering::Equal));
        let g = Quantity::parse("1Gi").unwrap();
        let m = Quantity::parse("1000M").unwrap();
        assert_eq!(g.cmp_value(&m), Some(Ordering::Greater));
        assert!(Quantity::parse("-1").unwrap().is_negative());
    }
}
